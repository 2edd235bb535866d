package dev.tandem.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs small sample classes through a JUnit Platform launcher (which loads {@link LoudSkips} through
 * META-INF/services, as every module's test run does) and checks what it recorded.
 */
class LoudSkipsTest {

    @TempDir
    Path dir;

    @Disabled("the whole class is off")
    static class DisabledClass {
        @Test
        void never() {
        }
    }

    static class ClassWithoutItsTool {
        @BeforeAll
        static void tool() {
            Assumptions.assumeTrue(false, "frobnicate is not installed");
        }

        @Test
        void never() {
        }
    }

    static class OneMethodWithoutItsTool {
        @Test
        void runs() {
        }

        @Test
        void needsRoot() {
            Assumptions.assumeTrue(false, "loop devices need /dev/loop-control");
        }
    }

    /** What the listener printed during the last {@link #run}; kept out of the build log (it is not this run's). */
    String printed = "";

    List<String> run(Class<?>... classes) throws IOException {
        String old = System.getProperty("tandem.skips.dir");
        System.setProperty("tandem.skips.dir", dir.toString());
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
            for (Class<?> c : classes) {
                b.selectors(selectClass(c));
            }
            LauncherDiscoveryRequest request = b.build();
            LauncherFactory.create().execute(request);
        } finally {
            System.setErr(err);
            printed = captured.toString(StandardCharsets.UTF_8);
            if (old == null) {
                System.clearProperty("tandem.skips.dir");
            } else {
                System.setProperty("tandem.skips.dir", old);
            }
        }
        List<String> lines = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
                }
            }
        }
        return lines;
    }

    @Test
    void aDisabledClassAndAClassWhosePrerequisiteIsMissingAreRecordedWithTheirReasons() throws IOException {
        List<String> lines = run(DisabledClass.class, ClassWithoutItsTool.class);

        assertThat(lines).hasSize(2);
        assertThat(lines).anyMatch(l -> l.startsWith(DisabledClass.class.getName() + " skipped: ")
                && l.contains("the whole class is off"));
        assertThat(lines).anyMatch(l -> l.startsWith(ClassWithoutItsTool.class.getName() + " aborted: ")
                && l.contains("frobnicate is not installed"));
    }

    @Test
    void aSkippedMethodIsRecordedAndOneThatRanIsNot() throws IOException {
        List<String> lines = run(OneMethodWithoutItsTool.class);

        assertThat(lines).containsExactly(OneMethodWithoutItsTool.class.getName()
                + "#needsRoot aborted: Assumption failed: loop devices need /dev/loop-control");
        assertThat(printed).contains("[tandem] NOT RUN " + lines.get(0));
    }

    @Test
    void aRunWithNothingSkippedLeavesNoRecord() throws IOException {
        assertThat(run()).isEmpty();
        assertThat(dir).isEmptyDirectory();
        assertThat(printed).doesNotContain("NOT RUN");
    }
}
