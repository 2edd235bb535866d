package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void refusesToWipeADirectoryItDidNotMake() throws IOException {
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("precious.txt"), "keep me");
        Tandem.Result r = Tandem.run("demo", "--dir", mine.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString().contains("was not made by tandem demo");
        assertThat(mine.resolve("precious.txt")).hasContent("keep me");
    }
}
