package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.install.TestDevice;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem web} refuses to run while {@code [web]} is off (the default). */
class WebCommandTest {

    @TempDir
    Path dir;

    @Test
    void refusesWhileThePageIsOff() throws Exception {
        TestDevice d = TestDevice.create(dir, 1 << 20, "");
        CliRunner.Result r = CliRunner.run("--config", d.configFile.toString(), "web");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("the web page is off");
    }
}
