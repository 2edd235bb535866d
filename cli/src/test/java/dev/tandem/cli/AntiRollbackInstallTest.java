package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.pki.SigningKey;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARCHITECTURE.md §5 anti-rollback, end to end with the file bootloader and boot-check: a lower version needs
 * {@code --allow-downgrade}, a lower security-version is refused whatever the flags (exit 4), and the floor
 * only rises: when a slot is marked good, never when the bootloader falls back.
 */
class AntiRollbackInstallTest {

    @TempDir
    static Path shared;

    static Path keyring;
    static SigningKey release;

    @TempDir
    Path dir;

    SimulatedDevice device;
    Path failHealth;

    @BeforeAll
    static void keys() throws IOException {
        SignerMaterial pki = new SignerMaterial(shared.resolve("pki"), "fleet root");
        keyring = pki.keyring("keyring.pem");
        release = pki.signer("release").signingKey();
    }

    @BeforeEach
    void device() throws IOException {
        failHealth = dir.resolve("fail-health");
        device = SimulatedDevice.create(dir, keyring, """
                [anti-rollback]
                version-file = "%s"
                [health]
                commands = ["test ! -e '%s'"]
                """.formatted(dir.resolve("floor"), failHealth));
    }

    /** Installs, reboots into the new slot and lets boot-check commit it; returns the slot that runs. */
    String installAndCommit(String version, long securityVersion, int seed) throws IOException {
        CliRunner.Result r = device.install(device.bundle("v" + version, version, securityVersion,
                SimulatedDevice.image(seed), release));
        assertThat(r.exit()).as(r.toString()).isZero();
        String booted = device.reboot();
        CliRunner.Result check = device.tandem("boot-check");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("marked good");
        return booted;
    }

    @Test
    void refusesALowerVersionUnlessAllowedAndALowerSecurityVersionAlways() throws IOException {
        assertThat(installAndCommit("2.0.0", 3, 2)).isEqualTo("B");
        assertThat(device.status().securityFloor()).isEqualTo(3);

        CliRunner.Result downgrade = device.install(device.bundle("old", "1.5.0", 3, SimulatedDevice.image(3), release));
        assertThat(downgrade.exit()).as(downgrade.toString()).isEqualTo(ExitCode.POLICY.code());
        assertThat(downgrade.err()).contains("lower than the booted slot's");

        Path belowFloor = device.bundle("below-floor", "3.0.0", 2, SimulatedDevice.image(3), release);
        for (String[] flags : new String[][] {{}, {"--allow-downgrade"}, {"--allow-downgrade", "--force",
                "--reinstall", "--retry"}}) {
            CliRunner.Result r = device.install(belowFloor, flags);
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.POLICY.code());
            assertThat(r.err()).contains("security-version 2").contains("floor 3");
        }
        assertThat(device.slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
        assertThat(device.status().primary()).isEqualTo("rootfs.1");

        CliRunner.Result allowed = device.install(device.bundle("old-allowed", "1.5.0", 3, SimulatedDevice.image(3),
                release), "--allow-downgrade");
        assertThat(allowed.exit()).as(allowed.toString()).isZero();
    }

    @Test
    void keepsTheFloorWhenATrialFailsAndTheBootloaderFallsBack() throws IOException {
        installAndCommit("2.0.0", 3, 2);
        CliRunner.Result r = device.install(device.bundle("v3", "3.0.0", 5, SimulatedDevice.image(4), release));
        assertThat(r.exit()).as(r.toString()).isZero();

        Files.createFile(failHealth);
        assertThat(device.reboot()).isEqualTo("A");
        CliRunner.Result trial = device.tandem("boot-check");
        assertThat(trial.out()).as(trial.toString()).contains("marked bad");
        Files.delete(failHealth);
        assertThat(device.reboot()).isEqualTo("B");
        CliRunner.Result fallback = device.tandem("boot-check");
        assertThat(fallback.exit()).as(fallback.toString()).isZero();

        assertThat(device.status().securityFloor()).isEqualTo(3);
        assertThat(Files.readString(dir.resolve("floor")).trim()).isEqualTo("3");
        CliRunner.Result below = device.install(device.bundle("below", "3.1.0", 2, SimulatedDevice.image(6), release));
        assertThat(below.exit()).as(below.toString()).isEqualTo(ExitCode.POLICY.code());
    }

    @Test
    void keepsARaisedFloorAfterFallingBackToAnOlderGoodSlot() throws IOException {
        installAndCommit("2.0.0", 3, 2);
        assertThat(installAndCommit("3.0.0", 5, 4)).isEqualTo("A");
        assertThat(device.status().securityFloor()).isEqualTo(5);

        // Slot A stops booting (its counter runs out, a broken disk): the bootloader falls back to B (sv 3).
        device.bootloader().markBad("A");
        assertThat(device.reboot()).isEqualTo("B");
        CliRunner.Result check = device.tandem("boot-check");
        assertThat(check.exit()).as(check.toString()).isZero();

        assertThat(device.status().securityFloor()).isEqualTo(5);
        CliRunner.Result belowFloor = device.install(device.bundle("sv4", "4.0.0", 4, SimulatedDevice.image(6),
                release));
        assertThat(belowFloor.exit()).as(belowFloor.toString()).isEqualTo(ExitCode.POLICY.code());
        assertThat(belowFloor.err()).contains("floor 5");
        CliRunner.Result markActive = device.tandem("mark-active", "booted");
        assertThat(markActive.exit()).as(markActive.toString()).isZero();

        // Losing status.json (a re-formatted data partition) does not lower it: the version-file keeps it.
        Files.delete(dir.resolve("data/status.json"));
        assertThat(device.status().securityFloor()).isEqualTo(5);
        CliRunner.Result still = device.install(device.bundle("sv4-again", "4.0.1", 4, SimulatedDevice.image(7),
                release));
        assertThat(still.exit()).as(still.toString()).isEqualTo(ExitCode.POLICY.code());
    }
}
