package dev.tandem.slot.state;

import dev.tandem.slot.BootIdSource;
import dev.tandem.slot.BootedSlot;
import dev.tandem.slot.BootedSlotDetector;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotResolver;
import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.policy.CandidateImage;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.config.SystemConfig;
import dev.tandem.boot.FileAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * A simulated device for tests: two file-backed rootfs slots (A, B), the file bootloader, a data-dir, all in
 * one directory. {@link #slots()} wires a fresh {@link DeviceSlots} as {@code tandem} would after a boot.
 */
public final class TestDevice {

    public static final long SLOT_SIZE = 1 << 20;

    public final Path dir;
    public final Path configFile;
    public final Path dataDir;
    public final Path rebootMarker;

    private TestDevice(Path dir, Path configFile) {
        this.dir = dir;
        this.configFile = configFile;
        this.dataDir = dir.resolve("data");
        this.rebootMarker = dir.resolve("rebooted");
    }

    /** A device whose system.toml has {@code extraToml} appended (tables such as [health]). */
    public static TestDevice create(Path dir, String extraToml) throws IOException {
        Files.writeString(dir.resolve("keyring.pem"), "test keyring\n");
        for (String slot : List.of("rootfs-a.img", "rootfs-b.img")) {
            try (var ch = java.nio.channels.FileChannel.open(dir.resolve(slot),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0);
                ch.write(java.nio.ByteBuffer.allocate(1), SLOT_SIZE - 1);
            }
        }
        Path config = dir.resolve("system.toml");
        Files.writeString(config, """
                compatible = "test-device"
                bootloader = "file"
                data-dir = "data"
                keyring = "keyring.pem"
                reboot-command = "echo reboot >> '%s'"
                [slots."rootfs.0"]
                device = "rootfs-a.img"
                bootname = "A"
                [slots."rootfs.1"]
                device = "rootfs-b.img"
                bootname = "B"
                """.formatted(dir.resolve("rebooted")) + extraToml);
        return new TestDevice(dir, config);
    }

    /** Follower slots for {@link #create}'s {@code extraToml}: appfs.0 follows rootfs.0, appfs.1 rootfs.1. */
    public static final String FOLLOWERS = """
            [slots."appfs.0"]
            device = "appfs-a.img"
            parent = "rootfs.0"
            [slots."appfs.1"]
            device = "appfs-b.img"
            parent = "rootfs.1"
            """;

    /** A device with {@link #FOLLOWERS} (and {@code extraToml}). */
    public static TestDevice withFollowers(Path dir, String extraToml) throws IOException {
        Files.write(dir.resolve("appfs-a.img"), new byte[4096]);
        Files.write(dir.resolve("appfs-b.img"), new byte[4096]);
        return create(dir, FOLLOWERS + extraToml);
    }

    /** An executable shell script in the device directory. */
    public Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    public SystemConfig config() {
        return SystemConfig.load(configFile);
    }

    public FileAdapter adapter() {
        return (FileAdapter) DeviceSlots.adapterFor(config());
    }

    /** Power-on: the simulated bootloader picks a slot. */
    public String reboot() {
        return adapter().simulateBoot().orElseThrow(() -> new AssertionError("no slot is bootable"));
    }

    /** The device as tandem sees it now (booted slot from the file bootloader). */
    public DeviceSlots slots() {
        SystemConfig config = config();
        FileAdapter adapter = adapter();
        List<Slot> slots = new SlotResolver(dir.resolve("no-sysfs"), dir.resolve("no-dev"))
                .resolve(config, () -> {
                    throw new AssertionError("file slots need no boot disk");
                });
        BootedSlot booted = new BootedSlotDetector(dir.resolve("no-cmdline"), dir.resolve("no-mountinfo"))
                .detect(slots, null, adapter);
        return new DeviceSlots(config, slots, adapter, StatusStore.in(config.dataDir()), booted,
                BootIdSource.simulated(adapter), Clock.systemUTC(), dir.resolve("no-watchdog"));
    }

    public BootCheck bootCheck() {
        SystemConfig config = config();
        return new BootCheck(slots(), HealthCheck.system(config.health()),
                new Hooks(config.hooks(), config.compatible(), config.dataDir()));
    }

    public boolean rebootCommandRan() {
        return Files.exists(rebootMarker);
    }

    public void clearRebootMarker() throws IOException {
        Files.deleteIfExists(rebootMarker);
    }

    public static Candidate candidate(String version, long securityVersion) {
        return new Candidate(bundleId(version), "test-device", version, securityVersion, Instant.parse("2026-11-21T10:00:00Z"),
                List.of(new CandidateImage("rootfs", "rootfs", 4096)));
    }

    /** A bundle id that differs per version: the SHA-256 of the version text. */
    public static String bundleId(String version) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(version.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A bundle of security-version 0 with images for {@code slotClasses}. */
    public static Candidate candidate(String version, String... slotClasses) {
        return new Candidate(bundleId(version), "test-device", version, 0, Instant.parse("2026-11-21T10:00:00Z"),
                java.util.Arrays.stream(slotClasses).map(c -> new CandidateImage(c, c, 4096)).toList());
    }

    /**
     * On a device {@link #withFollowers} that has booted A and run boot-check: a whole-group bundle is installed
     * into B and booted good there, then an appfs-only bundle (returned) is installed into appfs.0, beside the
     * good rootfs.0, and activated. The next boot is A's trial of that bundle.
     */
    public Candidate activateAppfsOnlyBesideAGoodRootfs() {
        DeviceSlots slots = slots();
        Candidate whole = candidate("2.0.0", "rootfs", "appfs");
        for (String name : List.of("rootfs.1", "appfs.1")) {
            slots.markWriting(slots.select(name));
            slots.markInstalled(slots.select(name), whole, "ab".repeat(32));
        }
        slots.activate(List.of(slots.select("rootfs.1"), slots.select("appfs.1")));
        if (!reboot().equals("B") || bootCheck().run().outcome() != dev.tandem.slot.bootcheck.BootCheckResult.Outcome.MARKED_GOOD) {
            throw new AssertionError("the whole-group bundle did not boot good in B");
        }
        slots = slots();
        Candidate appfs = candidate("2.1.0", "appfs");
        Slot target = slots.select("appfs.0");
        slots.markWriting(target);
        slots.markInstalled(target, appfs, "cd".repeat(32));
        slots.activate(List.of(target));
        return appfs;
    }

    /** Runs the install flow's slot-manager steps for {@code candidate} into the other slot, then activates. */
    public Slot installAndActivate(Candidate candidate) {
        DeviceSlots slots = slots();
        List<ImageTarget> targets = slots.checkInstall(candidate, InstallOptions.defaults(), s -> SLOT_SIZE);
        Slot target = targets.get(0).slot();
        slots.markWriting(target);
        slots.markInstalled(target, candidate, "ab".repeat(32));
        slots.activate(List.of(target));
        return target;
    }
}
