package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem agent pause | resume} and {@code tandem factory-reset} on the command line: what they write, what
 * they say, and the exit codes of their refusals (README.md "Download policy", "Factory reset"). The reset itself is
 * {@code slot-manager …/FactoryResetTest} on a loop device.
 */
class AgentPauseAndFactoryResetCommandTest {

    @TempDir
    Path dir;
    private int devices;

    private SimulatedDevice device(String extraTop) throws Exception {
        SimulatedDevice d = unbooted(extraTop);
        d.reboot();
        return d;
    }

    /** A device whose config may not load (the bootloader reads it too). */
    private SimulatedDevice unbooted(String extraTop) throws Exception {
        Path keyring = dir.resolve("keyring.pem");
        Files.writeString(keyring, "not used here\n");
        return SimulatedDevice.create(dir.resolve("device-" + devices++), keyring, extraTop);
    }

    @Test
    void pauseIsAFlagInTheDataDirAndResumeLiftsIt() throws Exception {
        SimulatedDevice d = device("");
        Path flag = d.dir.resolve("data/agent/paused");

        CliRunner.Result pause = d.tandem("agent", "pause");
        assertThat(pause.exit()).as(pause.toString()).isZero();
        assertThat(pause.out()).contains("agent: downloads paused");
        assertThat(Files.readString(flag)).startsWith("since ");
        assertThat(d.tandem("agent", "pause").out()).contains("downloads were paused already");

        CliRunner.Result resume = d.tandem("agent", "resume");
        assertThat(resume.exit()).as(resume.toString()).isZero();
        assertThat(resume.out()).contains("agent: downloads resumed");
        assertThat(flag).doesNotExist();
        assertThat(d.tandem("agent", "resume").out()).contains("downloads were not paused");
    }

    @Test
    void factoryResetNeedsADataPartitionThatIsABlockDeviceAndNotASlot() throws Exception {
        CliRunner.Result none = device("").tandem("factory-reset");
        assertThat(none.exit()).as(none.toString()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(none.err()).contains("[factory-reset]: data-partition is not set");

        CliRunner.Result slot = unbooted("[factory-reset]\ndata-partition = \"slot-b.img\"\n").tandem("factory-reset");
        assertThat(slot.exit()).as(slot.toString()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(slot.err()).contains("is slot rootfs.1; a factory reset must never touch a slot");

        SimulatedDevice chr = device("[factory-reset]\ndata-partition = \"/dev/null\"\n");
        CliRunner.Result notBlock = chr.tandem("factory-reset");
        assertThat(notBlock.exit()).as(notBlock.toString()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(notBlock.err()).contains("data-partition /dev/null is not a block device");
        assertThat(chr.dir.resolve("data/factory-reset.json")).doesNotExist();

        CliRunner.Result cancel = chr.tandem("factory-reset", "--cancel");
        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        assertThat(cancel.out()).contains("factory-reset: nothing was requested");
    }
}
