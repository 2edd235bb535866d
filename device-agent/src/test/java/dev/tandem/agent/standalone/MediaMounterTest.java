package dev.tandem.agent.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.FileSource;
import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import dev.tandem.slot.state.SlotState;
import dev.tandem.agent.TestDevice;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.testsupport.HostCapabilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone agent mounts a stick itself: real loop devices over real ext4 images (the host's kernel plays the
 * device's), the real {@code /proc/partitions}, sysfs and mount table; only "is this disk removable" is decided by
 * the test (a loop device is not), so that no other disk of the host is ever mounted.
 */
@Tag("root")
class MediaMounterTest {

    @TempDir
    Path dir;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final List<String> loops = new ArrayList<>();

    @BeforeEach
    void prerequisites() {
        String noLoop = HostCapabilities.whyNoLoopDevices();
        Assumptions.assumeTrue(noLoop == null, noLoop);
        for (String tool : List.of("losetup", "blockdev", "mount", "umount", "mkfs.ext4")) {
            Assumptions.assumeTrue(onPath(tool), tool + " (util-linux, e2fsprogs) is not installed");
        }
    }

    @AfterEach
    void detach() throws Exception {
        for (String m : MountTable.read(MountTable.PROC_MOUNTINFO).mounts().stream()
                .map(MountTable.Mount::mountPoint).filter(p -> p.startsWith(dir.toString())).toList()) {
            run("umount", "-l", m);
        }
        for (String l : loops) {
            // The mounter made the device read-only, and the kernel keeps that flag on the loop device after it
            // is detached: the next test to attach it would get a read-only disk (seen: mkfs "Operation not
            // permitted" in slot-manager's tests).
            run("blockdev", "--setrw", l);
            run("losetup", "-d", l);
        }
    }

    private MediaMounter mounter(Path media, String... removable) {
        return mounter(media, Set.of(), removable);
    }

    /** {@code system}: the devices the system uses (slots, data-dir), as the agent passes its slots' devices. */
    private MediaMounter mounter(Path media, Set<DeviceNumber> system, String... removable) {
        List<String> names = List.of(removable);
        return new MediaMounter(Path.of("/proc/partitions"), Path.of("/sys"), MountTable.PROC_MOUNTINFO,
                Path.of("/dev"), media, disk -> names.contains(disk.getFileName().toString()), () -> system,
                lines::add);
    }

    @Test
    void aRemovableDiskThatHoldsASlotIsNeitherMountedNorMadeReadOnly() throws Exception {
        // A device booting from an SD card or a USB disk: its disk is removable, and the inactive slot is an
        // unmounted partition of it. Taking it for a stick would make the slot read-only until the next boot.
        String loop = stick("stick", Files.writeString(dir.resolve("a.tandem"), "x"));
        DeviceNumber slotDevice = DeviceNumber.ofBlockDevice(Path.of("/dev", loop)).orElseThrow();

        assertThat(mounter(dir.resolve("media"), Set.of(slotDevice), loop).mountNew()).isEmpty();

        assertThat(Files.readString(Path.of("/sys/class/block", loop, "ro")).strip()).as("device read-only")
                .isEqualTo("0");
        assertThat(lines).isEmpty();
        // The same disk, not the system's: mounted (so the refusal above was for the slot, not by chance).
        assertThat(mounter(dir.resolve("media"), Set.of(), loop).mountNew()).hasSize(1)
                .allSatisfy(m -> mounter(dir.resolve("media"), loop).unmount(m));
    }

    /** An ext4 image holding {@code files}' copies at its root, attached to a loop device; its name. */
    private String stick(String name, Path... files) throws Exception {
        Path content = Files.createDirectories(dir.resolve(name + "-content"));
        for (Path f : files) {
            Files.copy(f, content.resolve(f.getFileName()));
        }
        Path image = dir.resolve(name + ".img");
        run("mkfs.ext4", "-q", "-F", "-d", content.toString(), image.toString(), "16M");
        return attach(image);
    }

    private String attach(Path image) throws Exception {
        String dev = run("losetup", "-f", "--show", image.toString()).strip();
        loops.add(dev);
        return Path.of(dev).getFileName().toString();
    }

    @Test
    void aStickIsMountedReadOnlyNosuidNodevNoexecInAPrivateDirectoryOnceAndUnmounted() throws Exception {
        Path file = Files.writeString(dir.resolve("update.tandem"), "not really a bundle");
        String loop = stick("stick", file);
        Path image = dir.resolve("stick.img");
        String before = sha256(image);
        Path media = dir.resolve("run/media");
        MediaMounter m = mounter(media, loop);

        List<MediaMounter.Medium> mounted = m.mountNew();

        assertThat(mounted).hasSize(1);
        MediaMounter.Medium medium = mounted.get(0);
        assertThat(medium.point()).isEqualTo(media.resolve(loop));
        assertThat(Files.readString(medium.point().resolve("update.tandem"))).isEqualTo("not really a bundle");
        String mountLine = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(medium.point().toString())).findFirst().orElseThrow();
        assertThat(mountLine.split(" ")[5].split(",")).contains("ro", "nosuid", "nodev", "noexec");
        assertThat(Files.getPosixFilePermissions(media)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(Path.of("/sys/class/block", loop, "ro")).strip()).as("device read-only")
                .isEqualTo("1");
        assertThat(m.mountNew()).as("not mounted twice while inserted").isEmpty();

        m.unmount(medium);

        assertThat(MountTable.read(MountTable.PROC_MOUNTINFO).mountPointOf(
                dev.tandem.slot.DeviceNumber.ofBlockDevice(Path.of("/dev", loop)).orElseThrow())).isEmpty();
        assertThat(medium.point()).doesNotExist();
        assertThat(m.mountNew()).as("still the same insertion").isEmpty();
        assertThat(sha256(image)).as("the stick's bytes").isEqualTo(before);
        assertThat(lines).containsExactly(
                "media: mounted /dev/" + loop + " on " + medium.point() + " (ro,nosuid,nodev,noexec)",
                "media: unmounted /dev/" + loop + " from " + medium.point());
    }

    @Test
    void aStickRemovedAndInsertedAgainIsMountedAgain() throws Exception {
        String loop = stick("stick", Files.writeString(dir.resolve("a.tandem"), "x"));
        MediaMounter m = mounter(dir.resolve("media"), loop);
        List<MediaMounter.Medium> first = m.mountNew();
        first.forEach(m::unmount);
        run("blockdev", "--setrw", "/dev/" + loop); // see detach()
        run("losetup", "-d", "/dev/" + loop);
        loops.remove("/dev/" + loop);
        assertThat(m.mountNew()).isEmpty(); // the look while it is out

        String again = attach(dir.resolve("stick.img"));
        Assumptions.assumeTrue(again.equals(loop), "the kernel gave the image another loop device");
        List<MediaMounter.Medium> second = m.mountNew();

        assertThat(first).hasSize(1);
        assertThat(second).hasSize(1);
        second.forEach(m::unmount);
    }

    @Test
    void aDeviceWithoutAFileSystemOfTheListIsRefusedWithALineAndNotTriedAgain() throws Exception {
        Path blank = dir.resolve("blank.img");
        Files.write(blank, new byte[8 << 20]);
        String loop = attach(blank);
        MediaMounter m = mounter(dir.resolve("media"), loop);

        assertThat(m.mountNew()).isEmpty();
        assertThat(m.mountNew()).isEmpty();

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("media: not mounting /dev/" + loop + ": mount exited 32");
        assertThat(dir.resolve("media").resolve(loop)).doesNotExist();
    }

    @Test
    void disksThatAreNotRemovableAreNeverMounted() throws Exception {
        String loop = stick("stick", Files.writeString(dir.resolve("a.tandem"), "x"));

        assertThat(mounter(dir.resolve("media"), "not-" + loop).mountNew()).isEmpty();
        assertThat(lines).isEmpty();
    }

    /**
     * The standalone agent with the mounter: a stick with a bundle for another device and one for this device;
     * the other is skipped with a line, this one is installed from the mounted stick, the stick unmounted, then
     * the reboot asked for.
     */
    @Test
    void theStandaloneAgentInstallsFromAStickItMountedAndUnmountsBeforeTheReboot() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path own = d.bundle("2.0.0", 1 << 20);
        Path other = d.bundle("3.0.0", 1 << 20, "other-device", d.pki, 3);
        Path bundles = Files.createDirectories(dir.resolve("bundles"));
        Path ownFile = Files.move(own, bundles.resolve("b-2.0.0.tandem"));
        Path otherFile = Files.move(other, bundles.resolve("a-3.0.0.tandem"));
        String loop = stick("stick", ownFile, otherFile);
        Path media = dir.resolve("media");
        MediaWatcher watcher = new MediaWatcher(MountTable.PROC_MOUNTINFO, Path.of("/sys"), List.of());
        StandaloneAgent agent = StandaloneAgent.of(d.slots(), watcher, mounter(media, loop), FileSource::open,
                () -> lines.add("REBOOT"), true, AgentSettings.defaults(), listener());

        agent.look();

        Path point = media.resolve(loop);
        assertThat(lines).anyMatch(l -> l.startsWith("skipped " + point.resolve("a-3.0.0.tandem")
                + " (3.0.0): policy: bundle is for 'other-device'"));
        int mounted = lines.indexOf("media: mounted /dev/" + loop + " on " + point + " (ro,nosuid,nodev,noexec)");
        int installed = indexOfStart("installed 2.0.0 into rootfs.1");
        int unmounted = lines.indexOf("media: unmounted /dev/" + loop + " from " + point);
        int reboot = lines.indexOf("REBOOT");
        assertThat(mounted).as(String.join("\n", lines)).isGreaterThanOrEqualTo(0);
        assertThat(installed).as(String.join("\n", lines)).isGreaterThan(mounted);
        assertThat(unmounted).as(String.join("\n", lines)).isGreaterThan(installed);
        assertThat(reboot).as(String.join("\n", lines)).isGreaterThan(unmounted);
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(point).doesNotExist();
    }

    @Test
    void aStickWithOnlyABundleForAnotherDeviceIsIgnoredWithALine() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path other = Files.move(d.bundle("3.0.0", 1 << 20, "other-device", d.pki, 3),
                Files.createDirectories(dir.resolve("bundles")).resolve("other.tandem"));
        String loop = stick("stick", other);
        MediaWatcher watcher = new MediaWatcher(MountTable.PROC_MOUNTINFO, Path.of("/sys"), List.of());
        StandaloneAgent agent = StandaloneAgent.of(d.slots(), watcher, mounter(dir.resolve("media"), loop),
                FileSource::open, () -> lines.add("REBOOT"), true, AgentSettings.defaults(), listener());

        agent.look();

        assertThat(String.join("\n", lines)).contains("policy: bundle is for 'other-device'")
                .contains("media: no bundle to install on /dev/" + loop)
                .contains("media: unmounted /dev/" + loop).doesNotContain("installing", "REBOOT");
        assertThat(d.slot("rootfs.1").state()).isNotEqualTo(SlotState.PENDING);
    }

    private AgentListener listener() {
        return new AgentListener() {
            @Override
            public void line(String text) {
                lines.add(text);
            }
        };
    }

    private int indexOfStart(String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }
}
