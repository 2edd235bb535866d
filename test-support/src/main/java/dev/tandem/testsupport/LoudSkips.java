package dev.tandem.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, in the build log, every test or class that did not run and why: a disabled test or class (a condition
 * such as {@code @EnabledIf}, {@code @Disabled}) and one aborted by a failed assumption (a missing tool, no root,
 * no loop devices). Surefire alone reports a class-level skip as "Tests run: 0" with no reason, so a run that
 * lacked a prerequisite would look green.
 *
 * <p>Each test JVM also writes what it saw to a file under {@code tandem.skips.dir}; the root pom's
 * {@code check-skips} step fails the build on any such file when {@code -Dtandem.skips=fail} (as {@code .ci/run}
 * does). Registered for every module through {@code META-INF/services}, so no test class has to opt in.
 */
public final class LoudSkips implements TestExecutionListener {

    private static final String PREFIX = "[tandem] NOT RUN ";

    private final List<String> notRun = new ArrayList<>();
    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        notRun.clear();
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        record(id, "skipped: " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            String why = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("no reason given");
            record(id, "aborted: " + why);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (notRun.isEmpty()) {
            return;
        }
        String dir = System.getProperty("tandem.skips.dir");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path out = Path.of(dir);
            Files.createDirectories(out);
            Path file = out.resolve("not-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".txt");
            Files.write(file, notRun, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("[tandem] cannot record the tests that could not run in " + dir + ": " + e);
        }
    }

    private void record(TestIdentifier id, String why) {
        String line = name(id) + " " + why;
        notRun.add(line);
        System.err.println(PREFIX + line);
    }

    /** {@code Class#method} or {@code Class}, with the display name when it says more (parameters, nesting). */
    private String name(TestIdentifier id) {
        Optional<TestSource> source = id.getSource();
        String base;
        if (source.isPresent() && source.get() instanceof MethodSource m) {
            base = m.getClassName() + "#" + m.getMethodName();
        } else if (source.isPresent() && source.get() instanceof ClassSource c) {
            base = c.getClassName();
        } else {
            base = parentName(id) + id.getDisplayName();
        }
        return base;
    }

    private String parentName(TestIdentifier id) {
        if (plan == null) {
            return "";
        }
        return id.getParentIdObject().map(plan::getTestIdentifier).map(p -> name(p) + " > ").orElse("");
    }
}
