package dev.tandem.slot.bootcheck;

import dev.tandem.slot.ConfigException;
import dev.tandem.slot.GptImage;
import dev.tandem.slot.state.TestDevice;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.policy.PolicyException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.LoopDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem factory-reset} (README.md "Factory reset"): the request is refused on a slot on trial and for a
 * partition that is a slot or holds one; the next boot-check clears the data partition of a real GPT disk on a
 * loop device and nothing else (both slots byte-identical, slot states and the anti-rollback floor kept).
 */
class FactoryResetTest {

    @TempDir
    Path dir;

    @Test
    void aRequestIsRefusedWhileTheBootedSlotIsOnTrial() throws Exception {
        TestDevice d = TestDevice.create(dir, "[factory-reset]\ndata-partition = \"/dev/null\"\n");
        d.reboot();
        d.bootCheck().run();
        d.installAndActivate(TestDevice.candidate("2.0.0", 0));
        assertThat(d.reboot()).isEqualTo("B");

        assertThatThrownBy(() -> new FactoryReset(d.slots()).request()).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.BOOTED_NOT_GOOD))
                .hasMessageContaining("the booted slot rootfs.1 is pending (on trial)");
        assertThat(d.dataDir.resolve(FactoryReset.REQUEST_FILE)).doesNotExist();
    }

    @Test
    void aSlotAsDataPartitionIsAConfigError() throws Exception {
        assertThatThrownBy(() -> TestDevice.create(dir, "[factory-reset]\ndata-partition = \"rootfs-b.img\"\n")
                .config()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is slot rootfs.1; a factory reset must never touch a slot");
    }

    @Test
    @Tag("root")
    void theNextBootCheckZeroesTheDataPartitionAndNothingElse() throws Exception {
        try (LoopDevice loop = GptImage.attach(dir, false)) {
            Path p1 = Path.of(loop.device + "p1");
            Path p2 = Path.of(loop.device + "p2");
            Path p3 = Path.of(loop.device + "p3");
            fillRandom(p1, 1);
            fillRandom(p2, 2);
            fillRandom(p3, 3);
            TestDevice d = device(p1, p2, "data-partition = \"" + p3 + "\"");
            d.reboot();
            d.bootCheck().run();
            String a = sha256(p1);
            String b = sha256(p2);

            new FactoryReset(d.slots()).request();
            assertThat(dir.resolve("data").resolve(FactoryReset.REQUEST_FILE)).exists();
            // Nothing happens before the next boot.
            assertThat(isZero(p3)).isFalse();

            d.reboot();
            BootCheckResult r = d.bootCheck().run();

            String zeroed = "factory reset: zeroed " + p3.toRealPath();
            assertThat(r.notes()).anyMatch(n -> n.startsWith(zeroed));
            assertThat(isZero(p3)).as("data partition zeroed").isTrue();
            assertThat(sha256(p1)).as("slot A").isEqualTo(a);
            assertThat(sha256(p2)).as("slot B").isEqualTo(b);
            DeviceStatus st = d.slots().current();
            assertThat(st.securityFloor()).as("anti-rollback floor").isEqualTo(7);
            assertThat(st.slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
            assertThat(dir.resolve("data").resolve(FactoryReset.REQUEST_FILE)).doesNotExist();

            // A slot given by another name (the symlink) or the disk that holds the slots: refused by device number.
            Path alias = Files.createSymbolicLink(dir.resolve("data-link"), p2);
            TestDevice viaLink = device(p1, p2, "data-partition = \"" + alias + "\"");
            assertThatThrownBy(() -> new FactoryReset(viaLink.slots()).request()).isInstanceOf(PolicyException.class)
                    .hasMessageContaining("is slot rootfs.1");
            TestDevice wholeDisk = device(p1, p2, "data-partition = \"" + loop.device + "\"");
            assertThatThrownBy(() -> new FactoryReset(wholeDisk.slots()).request())
                    .isInstanceOf(PolicyException.class).hasMessageContaining("is the disk that holds slot rootfs.0");
        }
    }

    @Test
    @Tag("root")
    void aMountedDataPartitionIsNotTouchedAndTheRequestStays() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LoopDevice.onPath("mkfs.ext4"), "mkfs.ext4 not installed");
        try (LoopDevice loop = GptImage.attach(dir, false)) {
            Path p3 = Path.of(loop.device + "p3");
            LoopDevice.run("mkfs.ext4", "-q", p3.toString());
            TestDevice d = device(Path.of(loop.device + "p1"), Path.of(loop.device + "p2"),
                    "data-partition = \"" + p3 + "\"\nmethod = \"mkfs\"");
            d.reboot();
            d.bootCheck().run();
            new FactoryReset(d.slots()).request();
            Path mnt = Files.createDirectories(dir.resolve("mnt"));
            LoopDevice.run("mount", p3.toString(), mnt.toString());
            try {
                Files.writeString(mnt.resolve("user-data"), "keep me while mounted");
                d.reboot();
                BootCheckResult r = d.bootCheck().run();
                assertThat(r.notes()).anyMatch(n -> n.contains("is mounted at " + mnt)
                        && n.contains("the request stays"));
                assertThat(mnt.resolve("user-data")).exists();
            } finally {
                LoopDevice.run("umount", mnt.toString());
            }
            d.reboot();
            BootCheckResult r = d.bootCheck().run();
            assertThat(r.notes()).anyMatch(n -> n.startsWith("factory reset: made a new file system on"));
            LoopDevice.run("mount", p3.toString(), mnt.toString());
            try {
                assertThat(mnt.resolve("user-data")).doesNotExist();
            } finally {
                LoopDevice.run("umount", mnt.toString());
            }
        }
    }

    @Test
    @Tag("root")
    void theWholeDiskThatHoldsTheDataDirIsRefusedThoughNoSlotIsOnIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LoopDevice.onPath("mkfs.ext4"), "mkfs.ext4 not installed");
        Path slotsDir = Files.createDirectories(dir.resolve("slots-disk"));
        Path dataDisk = Files.createDirectories(dir.resolve("data-disk"));
        try (LoopDevice slotDisk = GptImage.attach(slotsDir, false);
             LoopDevice other = GptImage.attach(dataDisk, false)) {
            Path p3 = Path.of(other.device + "p3");
            LoopDevice.run("mkfs.ext4", "-q", p3.toString());
            Path mnt = Files.createDirectories(dir.resolve("data-mnt"));
            LoopDevice.run("mount", p3.toString(), mnt.toString());
            try {
                // Slots on one disk, the data-dir on a partition of another, and that other whole disk as the
                // "data partition": zeroing it would take the data-dir's file system with it.
                TestDevice d = device(Path.of(slotDisk.device + "p1"), Path.of(slotDisk.device + "p2"),
                        "data-partition = \"" + other.device + "\"");
                Files.writeString(d.configFile, Files.readString(d.configFile)
                        .replace("data-dir = \"" + dir.resolve("data") + "\"", "data-dir = \"" + mnt.resolve("data") + "\""));
                d.reboot();
                d.bootCheck().run();
                assertThatThrownBy(() -> new FactoryReset(d.slots()).request()).isInstanceOf(PolicyException.class)
                        .hasMessageContaining("holds the data-dir");
            } finally {
                LoopDevice.run("umount", mnt.toString());
            }
        }
    }

    /** A device whose slots are {@code a} and {@code b}, with {@code [factory-reset]} set to {@code reset}. */
    private TestDevice device(Path a, Path b, String reset) throws IOException {
        Path sub = Files.createDirectories(dir.resolve("device-" + Math.abs(reset.hashCode())));
        TestDevice d = TestDevice.create(sub, "");
        Files.writeString(d.configFile, """
                compatible = "test-device"
                bootloader = "file"
                data-dir = "%s"
                keyring = "keyring.pem"
                reboot-command = "true"
                [anti-rollback]
                initial-floor = 7
                [slots."rootfs.0"]
                device = "%s"
                bootname = "A"
                [slots."rootfs.1"]
                device = "%s"
                bootname = "B"
                [factory-reset]
                %s
                """.formatted(dir.resolve("data"), a, b, reset));
        return d;
    }

    private static void fillRandom(Path device, long seed) throws IOException {
        byte[] buf = new byte[1 << 20];
        Random rnd = new Random(seed);
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE)) {
            for (long pos = 0; pos < 4L << 20; pos += buf.length) {
                rnd.nextBytes(buf);
                ch.write(ByteBuffer.wrap(buf), pos);
            }
            ch.force(true);
        }
    }

    private static String sha256(Path device) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(device)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static boolean isZero(Path device) throws IOException {
        try (InputStream in = Files.newInputStream(device)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
