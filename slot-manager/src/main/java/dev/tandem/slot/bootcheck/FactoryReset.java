package dev.tandem.slot.bootcheck;

import dev.tandem.slot.CommandRunner;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotIoException;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.config.FactoryResetConfig;
import dev.tandem.slot.policy.PolicyException;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Factory reset (README.md "Factory reset"): {@code tandem factory-reset} records a request in
 * {@code <data-dir>/factory-reset.json}; the next boot-check, which runs before the data partition is mounted,
 * clears the configured data partition ({@code [factory-reset]}) and only then removes the request, so a power cut
 * during the wipe repeats it at the next boot. Slots, {@code status.json} and the anti-rollback floor are never
 * touched: the data partition may be neither a slot, a disk holding one, the booted root nor the data-dir's file
 * system (SECURITY.md "Factory reset").
 */
public final class FactoryReset {

    /** The request's file name in the data-dir. */
    public static final String REQUEST_FILE = "factory-reset.json";
    /** How long {@code mkfs} may take before it is killed and the reset postponed. */
    static final Duration MKFS_TIMEOUT = Duration.ofMinutes(10);
    private static final int MAX_REQUEST_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /**
     * A recorded request.
     *
     * @param requested     when {@code tandem factory-reset} ran
     * @param dataPartition the partition configured then
     * @param method        {@code zero} or {@code mkfs}
     */
    public record Request(@JsonProperty("requested") String requested,
                          @JsonProperty("data-partition") String dataPartition,
                          @JsonProperty("method") String method) {
    }

    private final DeviceSlots slots;
    private final Path sysDevBlock;
    private final Path mountinfo;

    public FactoryReset(DeviceSlots slots) {
        this(slots, Path.of("/sys/dev/block"), MountTable.PROC_MOUNTINFO);
    }

    FactoryReset(DeviceSlots slots, Path sysDevBlock, Path mountinfo) {
        this.slots = slots;
        this.sysDevBlock = sysDevBlock;
        this.mountinfo = mountinfo;
    }

    private DurableFile requestFile() {
        return DurableFile.at(slots.config().dataDir().resolve(REQUEST_FILE));
    }

    /**
     * Records a request for the next boot-check.
     *
     * @throws ConfigException when {@code [factory-reset] data-partition} is not set
     * @throws PolicyException when the booted slot is not good (on trial, a fallback would boot a slot whose data
     *                         was wiped for another), or the partition is a slot, holds one, the booted root or the
     *                         data-dir
     */
    public Request request() {
        FactoryResetConfig cfg = configured();
        Slot booted = slots.booted();
        SlotState state = slots.current().slot(booted.name()).state();
        if (state != SlotState.GOOD) {
            throw new PolicyException(PolicyException.Reason.BOOTED_NOT_GOOD, "factory reset refused: the booted slot "
                    + booted.name() + " is " + state.jsonName() + (state == SlotState.INSTALLED
                    || state == SlotState.PENDING ? " (on trial)" : "") + "; reset after boot-check has marked it good");
        }
        checkTarget(cfg.dataPartition(), false);
        Request r = new Request(slots.clock().instant().toString(), cfg.dataPartition().toString(), cfg.method());
        try {
            requestFile().replace(JSON.writeValueAsBytes(r));
        } catch (IOException e) {
            throw new SlotIoException("factory reset: cannot write " + requestFile().path() + ": " + e.getMessage(), e);
        }
        return r;
    }

    /** The pending request, if any. */
    public Optional<Request> pending() {
        try {
            Optional<byte[]> b = requestFile().read();
            if (b.isEmpty()) {
                return Optional.empty();
            }
            if (b.get().length > MAX_REQUEST_BYTES) {
                throw new IOException("larger than " + MAX_REQUEST_BYTES + " bytes");
            }
            return Optional.of(JSON.readValue(b.get(), Request.class));
        } catch (IOException e) {
            // Unreadable is still a request: someone asked for a reset; the config says what to wipe.
            return Optional.of(new Request(null, null, null));
        }
    }

    /** Withdraws a pending request; true when there was one. */
    public boolean cancel() {
        boolean had = Files.exists(requestFile().path());
        try {
            requestFile().delete();
        } catch (IOException e) {
            throw new SlotIoException("factory reset: cannot remove " + requestFile().path() + ": " + e.getMessage(), e);
        }
        return had;
    }

    /**
     * Boot-check's part: clears the data partition when a reset was requested, then removes the request. Never
     * throws for the reset itself: a refusal or failure is the returned line and the request stays for the next
     * boot (the slot decision must not depend on it).
     *
     * @return one line for boot-check's notes, empty when nothing was requested
     */
    public Optional<String> honourPending() {
        if (pending().isEmpty()) {
            return Optional.empty();
        }
        try {
            FactoryResetConfig cfg = configured();
            Path device = checkTarget(cfg.dataPartition(), true);
            long started = System.nanoTime();
            String done = cfg.method().equals("mkfs") ? mkfs(cfg, device) : zero(device);
            requestFile().delete();
            return Optional.of("factory reset: " + done + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        } catch (RuntimeException | IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return Optional.of("factory reset not done (" + m + "); the request stays for the next boot-check");
        }
    }

    private FactoryResetConfig configured() {
        FactoryResetConfig cfg = slots.config().factoryReset();
        if (cfg == null || cfg.dataPartition() == null) {
            throw new ConfigException(slots.config().file() + ": [factory-reset]: data-partition is not set;"
                    + " factory reset needs it");
        }
        return cfg;
    }

    /**
     * The partition's real path after every refusal was checked. At boot ({@code mounted} checked) it must not be
     * mounted either: boot-check runs before the data partition's mount.
     */
    Path checkTarget(Path partition, boolean refuseMounted) {
        Path real;
        try {
            real = partition.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ConfigException("[factory-reset] data-partition " + partition + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("[factory-reset] data-partition " + partition + ": " + e.getMessage());
        }
        DeviceNumber dn = DeviceNumber.ofBlockDevice(real).orElseThrow(() -> new ConfigException(
                "[factory-reset] data-partition " + partition + " is not a block device"));
        for (Slot s : slots.slots()) {
            Optional<DeviceNumber> sd = DeviceNumber.ofBlockDevice(s.device());
            if (s.device().normalize().equals(real) || sd.isPresent() && sd.get().equals(dn)) {
                throw refused(partition, "is slot " + s.name());
            }
            if (sd.isPresent() && parentDisk(sd.get()).filter(dn::equals).isPresent()) {
                throw refused(partition, "is the disk that holds slot " + s.name());
            }
        }
        if (holdsFileSystemOf(Path.of("/"), dn)) {
            throw refused(partition, "holds the booted root file system");
        }
        if (holdsFileSystemOf(slots.config().dataDir(), dn)) {
            throw refused(partition, "holds the data-dir " + slots.config().dataDir()
                    + " (slot states and the anti-rollback floor)");
        }
        if (refuseMounted) {
            Optional<String> at = MountTable.read(mountinfo).mountPointOf(dn);
            if (at.isPresent()) {
                throw new PolicyException(PolicyException.Reason.TARGET_MOUNTED, "data partition " + partition
                        + " is mounted at " + at.get() + "; boot-check must run before it is mounted (README.md"
                        + " \"Factory reset\")");
            }
        }
        return real;
    }

    private static PolicyException refused(Path partition, String why) {
        return new PolicyException(PolicyException.Reason.TARGET_BOOTED, "factory reset refused: data partition "
                + partition + " " + why);
    }

    /** Whether {@code dn} is the device of {@code p}'s file system, or the whole disk that holds it. */
    private boolean holdsFileSystemOf(Path p, DeviceNumber dn) {
        try {
            if (!Files.exists(p)) {
                return false;
            }
            DeviceNumber fs = DeviceNumber.fileSystemOf(p);
            return fs.equals(dn) || parentDisk(fs).filter(dn::equals).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** The whole disk a partition belongs to (sysfs: a partition's directory sits in its disk's). */
    private Optional<DeviceNumber> parentDisk(DeviceNumber partition) {
        Path dir = sysDevBlock.resolve(partition.toString());
        try {
            if (!Files.exists(dir.resolve("partition"))) {
                return Optional.empty();
            }
            Path disk = dir.toRealPath().getParent().resolve("dev");
            return Optional.of(DeviceNumber.parse(Files.readString(disk).strip()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private long sizeOf(Path device) throws IOException {
        DeviceNumber dn = DeviceNumber.ofBlockDevice(device).orElseThrow();
        String sectors = Files.readString(sysDevBlock.resolve(dn.toString()).resolve("size")).strip();
        return Long.parseLong(sectors) * 512;
    }

    private String zero(Path device) throws IOException {
        long size = sizeOf(device);
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE)) {
            long pos = 0;
            while (pos < size) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                while (zeros.hasRemaining()) {
                    pos += ch.write(zeros, pos);
                }
            }
            // The request goes only after the zeros are on the device: a cut before repeats the wipe.
            ch.force(true);
        }
        return "zeroed " + device + " (" + size / (1024 * 1024) + " MiB)";
    }

    private String mkfs(FactoryResetConfig cfg, Path device) {
        List<String> argv = new ArrayList<>(cfg.mkfs());
        argv.add(device.toString());
        CommandRunner.Result r = CommandRunner.run(argv, Map.of(), MKFS_TIMEOUT);
        if (!r.ok()) {
            throw new SlotIoException(String.join(" ", argv) + " " + r.describe(MKFS_TIMEOUT), null);
        }
        return "made a new file system on " + device + " (" + String.join(" ", argv) + ")";
    }
}
