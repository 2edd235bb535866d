package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerIdTest {

    @TempDir
    Path dir;

    @Test
    void aConfiguredIdWins() throws IOException {
        assertThat(ControllerId.resolve("gw-1", DurableFile.at(dir.resolve("id")), dir.resolve("h"), dir.resolve("m")))
                .isEqualTo("gw-1");
        assertThat(dir.resolve("id")).doesNotExist();
    }

    @Test
    void theFirstDerivedIdIsKeptEvenWhenTheSlotsHostnameChanges() throws IOException {
        Path hostname = Files.writeString(dir.resolve("hostname"), "gateway-7\n");
        DurableFile stored = DurableFile.at(dir.resolve("id"));
        assertThat(ControllerId.resolve(null, stored, hostname, dir.resolve("m"))).isEqualTo("gateway-7");
        Files.writeString(hostname, "other-slot\n");
        assertThat(ControllerId.resolve(null, stored, hostname, dir.resolve("m"))).isEqualTo("gateway-7");
    }

    @Test
    void localhostFallsBackToTheMachineIdThenToARandomId() throws IOException {
        Path hostname = Files.writeString(dir.resolve("hostname"), "localhost\n");
        Path machineId = Files.writeString(dir.resolve("machine-id"), "0123456789abcdef0123456789abcdef\n");
        assertThat(ControllerId.resolve(null, DurableFile.at(dir.resolve("a")), hostname, machineId))
                .isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(ControllerId.resolve(null, DurableFile.at(dir.resolve("b")), hostname, dir.resolve("none")))
                .startsWith("tandem-");
    }
}
