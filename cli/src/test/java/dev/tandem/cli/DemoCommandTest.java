package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem demo}: the whole flow on file slots, ending with the new slot booted and good. */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void runsTheWholeFlowAndEndsWithTheNewSlotGood() throws IOException {
        Path demo = dir.resolve("demo");
        long start = System.nanoTime();
        Tandem.Result r = Tandem.run("demo", "--dir", demo.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("tandem demo took %.1f s in-process%n", seconds);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("boot-check").contains("demo finished in");
        Tandem.Result status = Tandem.run("status", "--json", "--config", demo.resolve("system.toml").toString());
        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode s = new ObjectMapper().readTree(status.out());
        assertThat(s.get("booted").asText()).isEqualTo("rootfs.1");
        for (JsonNode slot : s.get("slots")) {
            assertThat(slot.get("state").asText()).as(slot.toString()).isEqualTo("good");
        }
        assertThat(s.get("primary").asText()).isEqualTo("rootfs.1");
        // Run again: the demo rebuilds its own directory.
        assertThat(Files.exists(demo.resolve(".tandem-demo"))).isTrue();
        assertThat(Tandem.run("demo", "--dir", demo.toString()).exitCode()).isZero();
    }

    @Test
    void runsInADirectoryWithASpaceAndAQuote() throws IOException {
        // The health check is a shell command naming the slot file: the path must reach sh as one word.
        Path demo = dir.resolve("with space/it's here");
        Tandem.Result r = Tandem.run("demo", "--dir", demo.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Tandem.Result status = Tandem.run("status", "--json", "--config", demo.resolve("system.toml").toString());
        JsonNode s = new ObjectMapper().readTree(status.out());
        assertThat(s.get("booted").asText()).isEqualTo("rootfs.1");
        for (JsonNode slot : s.get("slots")) {
            assertThat(slot.get("state").asText()).as(r.toString()).isEqualTo("good");
        }
    }

    @Test
    void aFailingHealthCheckFailsTheDemoLoudly() throws Exception {
        // A real child tandem whose PATH finds a debugfs that fails: the new slot cannot pass its health check.
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debugfs")) || Files.isExecutable(Path.of("/sbin/debugfs")),
                "e2fsprogs not installed");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = Files.writeString(bin.resolve("debugfs"), "#!/bin/sh\necho 'debugfs: broken' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path demo = dir.resolve("demo");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-cp", ChildTandem.classPath(), Main.class.getName(), "demo", "--dir",
                demo.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")
                + ":/usr/sbin:/sbin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("tandem: the new slot was not committed: booted B, boot-check marked bad")
                .doesNotContain("internal error").doesNotContain("demo finished");
    }

    @Test
    void refusesToWipeADirectoryItDidNotMake() throws IOException {
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("precious.txt"), "keep me");
        Tandem.Result r = Tandem.run("demo", "--dir", mine.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString().contains("was not made by tandem demo");
        assertThat(mine.resolve("precious.txt")).hasContent("keep me");
    }
}
