package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.pki.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under systemd, {@code systemctl reboot} stops tandem-boot-check.service at once: whatever boot-check prints after
 * the reboot command returned never reaches the journal (issue 18 found the verdict missing from the guest's
 * journal). So the verdict is printed, and flushed, before the reboot command runs: a reboot command that copies
 * boot-check's stdout (a file here, as the journal's pipe is under systemd) must find the verdict in it.
 */
class BootCheckVerdictBeforeRebootTest {

    @TempDir
    Path dir;

    @Test
    void theVerdictIsOnStdoutBeforeTheRebootCommandRuns() throws Exception {
        SignerMaterial pki = new SignerMaterial(dir.resolve("pki"), "fleet root");
        Path keyring = pki.keyring("keyring.pem");
        SigningKey release = pki.signer("release").signingKey();
        Path failHealth = dir.resolve("fail-health");
        SimulatedDevice device = SimulatedDevice.create(dir.resolve("device"), keyring, """
                [health]
                commands = ["test ! -e '%s' || { echo 'the gateway does not start'; exit 1; }"]
                """.formatted(failHealth));
        CliRunner.Result r = device.install(device.bundle("v2", "2.0.0", 0, SimulatedDevice.image(2), release));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(device.reboot()).isEqualTo("B");
        Files.createFile(failHealth);
        Path log = dir.resolve("boot-check.out");
        Path atReboot = dir.resolve("stdout-when-the-reboot-command-ran");
        String toml = Files.readString(device.config).replaceFirst("reboot-command = .*",
                "reboot-command = \"cp '" + log + "' '" + atReboot + "'\"");
        Files.writeString(device.config, toml);

        Process p = ChildTandem.start(List.of(), log, "--config", device.config.toString(), "boot-check");
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("boot-check ended").isTrue();
        } finally {
            ChildTandem.kill(p);
        }

        assertThat(Files.readString(log)).as("boot-check's output").contains("rootfs.1: marked bad");
        assertThat(atReboot).as("the reboot command ran").exists();
        assertThat(Files.readString(atReboot)).as("stdout when the reboot command ran")
                .contains("boot-check: rootfs.1: marked bad (trial boot failed: ")
                .contains("the gateway does not start");
    }
}
