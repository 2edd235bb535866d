package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The systemd units name only files the .deb installs, and run tandem with the launcher's measured options. */
class UnitsTest {

    private static final Pattern PATH = Pattern.compile("(?:file://)?(/(?:usr|etc|lib)/[\\w./+-]+)");

    @Test
    void unitsReferenceOnlyInstalledPaths() throws Exception {
        List<String> installed = debFiles();
        assertThat(installed).contains("/usr/bin/tandem", "/lib/systemd/system/tandem-boot-check.service",
                "/lib/systemd/system/tandem-agent.service");
        for (Path unit : units()) {
            for (String line : Files.readAllLines(unit)) {
                if (line.startsWith("Exec") || line.startsWith("Documentation=")) {
                    Matcher m = PATH.matcher(line);
                    while (m.find()) {
                        assertThat(installed).as("%s: %s", unit.getFileName(), line).contains(m.group(1));
                    }
                }
            }
        }
    }

    @Test
    void agentRunsWithTheLaunchersOptionsAndKeepsC2() throws Exception {
        for (Path unit : units()) {
            String text = Files.readString(unit);
            String settings = text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
            assertThat(settings).as("%s", unit).doesNotContain("TieredStopAtLevel").doesNotContain("JAVA_TOOL_OPTIONS");
            assertThat(text).contains("ExecStart=/usr/bin/tandem ");
        }
        String options = Files.readString(Dist.SOURCE.resolve("dist/src/main/tree/lib/tandem.jvm"));
        assertThat(options).contains("\n-XX:+UseSerialGC\n", "\n-XX:CompileThresholdScaling=3\n");
        // C1 alone makes hashing about 13x slower: only the commands that hash nothing may have it.
        assertThat(options.lines().filter(l -> !l.startsWith("#")).filter(l -> l.contains("TieredStopAtLevel")))
                .allMatch(l -> l.startsWith("status,boot-check:"));
    }

    private static List<Path> units() throws Exception {
        try (Stream<Path> s = Files.list(Dist.SOURCE.resolve("contrib/systemd"))) {
            return s.filter(p -> p.toString().endsWith(".service") || p.toString().endsWith(".timer")).toList();
        }
    }

    /** The absolute paths in the .deb, from dpkg-deb -c. */
    static List<String> debFiles() throws Exception {
        Dist.Result r = Dist.run(Dist.TARGET, Map.of("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"), 60, "dpkg-deb", "-c",
                Dist.deb().toString()).ok();
        List<String> files = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            // -rwxr-xr-x root/root  1234 2026-12-07 02:40 ./usr/lib/tandem/bin/tandem [-> target]
            String name = line.replaceFirst("^\\S+\\s+\\S+\\s+\\d+\\s+\\S+\\s+\\S+\\s+\\.", "")
                    .replaceFirst(" -> .*$", "");
            if (name.length() > 1) {
                files.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
            }
        }
        return files;
    }
}
