package dev.tandem.slot.state;

import dev.tandem.slot.BootIdSource;
import dev.tandem.slot.BootedSlot;
import dev.tandem.slot.BootedSlotDetector;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotIoException;
import dev.tandem.slot.SlotResolver;
import dev.tandem.slot.policy.GroupContent;
import dev.tandem.slot.policy.InstallPolicy;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.config.SystemConfig;
import dev.tandem.boot.BootSlotState;
import dev.tandem.boot.BootloaderAdapter;
import dev.tandem.boot.BootloaderException;
import dev.tandem.boot.BootloaderKind;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * The device's slots, their states and the bootloader, as one object the install flow, the CLI and boot-check
 * drive (ARCHITECTURE.md §5, §6). Every state change goes to the bootloader first and to status.json second, in the order
 * that keeps a power cut between the two safe (see each method). Status is re-read before every change, so an
 * instance made before the {@link DataDirLock} was taken never writes stale state; callers hold the lock.
 */
public final class DeviceSlots {

    private final SystemConfig config;
    private final List<Slot> slots;
    private final BootloaderAdapter adapter;
    private final StatusStore store;
    private final BootedSlot booted;
    private final BootIdSource bootIds;
    private final Clock clock;
    private final Path sysClassWatchdog;

    public DeviceSlots(SystemConfig config, List<Slot> slots, BootloaderAdapter adapter, StatusStore store,
                       BootedSlot booted, BootIdSource bootIds, Clock clock) {
        this(config, slots, adapter, store, booted, bootIds, clock, WatchdogProbe.SYS_CLASS_WATCHDOG);
    }

    DeviceSlots(SystemConfig config, List<Slot> slots, BootloaderAdapter adapter, StatusStore store,
                BootedSlot booted, BootIdSource bootIds, Clock clock, Path sysClassWatchdog) {
        this.config = config;
        this.slots = List.copyOf(slots);
        this.adapter = adapter;
        this.store = store;
        this.booted = booted;
        this.bootIds = bootIds;
        this.clock = clock;
        this.sysClassWatchdog = sysClassWatchdog;
    }

    /**
     * Wires the running system: the bootloader adapter, slot devices from sysfs, the booted slot, the boot id.
     * Refuses a data-dir that lives on a slot.
     *
     * @param bootedOverride {@code --booted SLOT}, or null
     */
    public static DeviceSlots open(SystemConfig config, String bootedOverride) {
        BootloaderAdapter adapter = adapterFor(config);
        SlotResolver resolver = SlotResolver.system();
        List<Slot> slots = resolver.resolve(config, MountTable.PROC_MOUNTINFO);
        BootedSlot booted = BootedSlotDetector.system().detect(slots, bootedOverride, adapter);
        requireDataDirOutsideSlots(config.dataDir(), slots);
        BootIdSource bootIds = adapter.simulatedBoot().isPresent()
                ? BootIdSource.simulated(adapter) : BootIdSource.kernel(BootIdSource.KERNEL_BOOT_ID);
        return new DeviceSlots(config, slots, adapter, StatusStore.in(config.dataDir()), booted, bootIds,
                Clock.systemUTC());
    }

    /**
     * The adapter for the configured bootloader. The one place that maps a kind to an adapter, so it can move to
     * the adapters' own factory ({@code BootloaderKind}) in one edit.
     */
    static BootloaderAdapter adapterFor(SystemConfig config) {
        try {
            return BootloaderKind.parse(config.bootloader()).create(config.bootloaderOptions());
        } catch (BootloaderException e) {
            throw new ConfigException(ConfigException.Reason.BOOTLOADER_OPTIONS,
                    config.file() + ": bootloader: " + e.getMessage());
        }
    }

    /**
     * The data-dir must not live on a slot: an install would overwrite the status that says what is being
     * installed. Its file system's device is compared with every block-device slot.
     */
    static void requireDataDirOutsideSlots(Path dataDir, List<Slot> slots) {
        Path existing = dataDir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        DeviceNumber fs;
        try {
            fs = DeviceNumber.fileSystemOf(existing);
        } catch (IOException e) {
            throw new SlotIoException("data-dir " + dataDir + ": cannot stat: " + e.getMessage(), e);
        }
        for (Slot s : slots) {
            if (DeviceNumber.ofBlockDevice(s.device()).filter(fs::equals).isPresent()) {
                throw new ConfigException(ConfigException.Reason.DATA_DIR_ON_SLOT,
                        "data-dir " + dataDir + " is on slot " + s.name() + " (" + s.device()
                        + "); it must be on persistent storage outside every slot");
            }
        }
    }

    public SystemConfig config() {
        return config;
    }

    public BootloaderAdapter adapter() {
        return adapter;
    }

    /** All slots, in config order. */
    public List<Slot> slots() {
        return slots;
    }

    /** The booted slot. */
    public Slot booted() {
        return booted.slot();
    }

    /** This boot's id. */
    public String bootId() {
        return bootIds.current();
    }

    /** The current status (re-read from disk; factory default when there is none). */
    public DeviceStatus current() {
        return store.load(slots, booted.slot(), config.antiRollback().initialFloor(), clock.instant(), bootId());
    }

    /**
     * Picks a slot the way the CLI names one: {@code booted}, {@code other} (the bootable slot that is not booted),
     * a slot name or a bootname.
     */
    public Slot select(String which) {
        if (which.equals("booted")) {
            return booted();
        }
        if (which.equals("other")) {
            return other(booted());
        }
        return slots.stream().filter(s -> which.equals(s.name()) || which.equals(s.bootname())).findFirst()
                .orElseThrow(() -> new ConfigException(ConfigException.Reason.UNKNOWN_SLOT,
                        "no slot is named or has the bootname '" + which + "'"));
    }

    /** The other bootable slot than {@code bootable}. */
    public Slot other(Slot bootable) {
        Slot b = bootableOf(bootable);
        return slots.stream().filter(s -> s.bootable() && !s.name().equals(b.name())).findFirst().orElseThrow();
    }

    /** A bootable slot and the slots that follow it. */
    public List<Slot> group(Slot slot) {
        Slot b = bootableOf(slot);
        List<Slot> out = new ArrayList<>();
        out.add(b);
        slots.stream().filter(s -> b.name().equals(s.parent())).forEach(out::add);
        return out;
    }

    /** The slots an install writes: the group of the bootable slot that is not booted. */
    public List<Slot> targetGroup() {
        return group(other(booted()));
    }

    /**
     * The effective anti-rollback floor: the largest of status.json's, the bootloader's mirror and the
     * {@code [anti-rollback] version-file}, so that losing one copy (a replaced data partition) cannot lower it.
     */
    public long securityFloor() {
        return Math.max(Math.max(current().securityFloor(), adapter.securityFloor().orElse(0)), versionFileFloor());
    }

    /** The policy as of now. */
    public InstallPolicy policy() {
        DeviceStatus st = current();
        return new InstallPolicy(config.compatible(), booted(), st, securityFloor(), targetGroup());
    }

    /** Where each image of {@code candidate} goes, without judging it. */
    public List<ImageTarget> targetsFor(Candidate candidate) {
        return policy().targetsFor(candidate);
    }

    /**
     * Runs the install policy (ARCHITECTURE.md §5) and returns the targets.
     *
     * @param slotSize the size of a slot's device in bytes (the installer measures block devices)
     */
    public List<ImageTarget> checkInstall(Candidate candidate, InstallOptions options, ToLongFunction<Slot> slotSize) {
        return policy().check(candidate, options, slotSize);
    }

    /**
     * Before the first byte is written to {@code target}: the bootloader is told not to boot its group first, then
     * status says {@code writing} (its content is unknown from here on). The installer drops its own saved tables
     * of the slot (ARCHITECTURE.md §5) after this returns.
     */
    public void markWriting(Slot target) {
        requireNotBootedGroup(target, "write");
        adapter.markBad(bootableOf(target).bootname());
        update(st -> st.withSlot(target.name(), SlotStatus.of(SlotState.WRITING, clock.instant(), bootId())));
    }

    /** After the final check of {@code target}: it holds {@code candidate}'s image with {@code imageSha256}. */
    public void markInstalled(Slot target, Candidate candidate, String imageSha256) {
        requireNotBootedGroup(target, "install");
        Instant now = clock.instant();
        String bootId = bootId();
        update(st -> {
            requireState(st, target, "mark installed", SlotState.WRITING);
            return st.withSlot(target.name(), new SlotStatus(SlotState.INSTALLED, candidate.version(),
                    candidate.bundleId(), imageSha256, candidate.securityVersion(), candidate.created(), now, now,
                    bootId, 0, null));
        });
    }

    /**
     * Offers an installed group to the bootloader for one trial: try-once first, then the whole group
     * {@code pending} with this boot's id. (The other order would, after a power cut between the two, leave a
     * pending slot the bootloader never tried, which boot-check would take for a failed trial.)
     *
     * <p>{@code members} are slots of one group (those the install wrote, or the whole group). Every slot of that
     * group must be {@code installed} or {@code good}, at least one {@code installed}, and the group must pass
     * {@link GroupContent#requireBootable}: an appfs-only install beside a bad rootfs never boots.
     */
    public void activate(List<Slot> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("activate: no slots");
        }
        Slot bootable = bootableOf(members.get(0));
        for (Slot s : members) {
            requireNotBootedGroup(s, "activate");
            if (!bootableOf(s).name().equals(bootable.name())) {
                throw new PolicyException(PolicyException.Reason.NO_TARGET, "activate: " + s.name()
                        + " is not in the group of " + bootable.name());
            }
        }
        List<Slot> group = group(bootable);
        DeviceStatus before = current();
        boolean anyInstalled = false;
        for (Slot s : group) {
            SlotState state = before.slot(s.name()).state();
            if (state != SlotState.GOOD) {
                requireState(before, s, "activate", SlotState.INSTALLED);
            }
            anyInstalled |= state == SlotState.INSTALLED;
        }
        if (!anyInstalled) {
            requireState(before, bootable, "activate", SlotState.INSTALLED);
        }
        offerForTrial("activate", group, bootable, before);
    }

    /**
     * Commits {@code slot}'s group: bootloader first (primary, counter armed), then the floor mirrors, then status
     * {@code good} with the floors raised to the group's security-version and created time.
     */
    public void markGood(Slot slot) {
        List<Slot> group = group(slot);
        DeviceStatus before = current();
        for (Slot s : group) {
            // A follower left half-written by an interrupted install must not become good with its group.
            SlotState state = before.slot(s.name()).state();
            if (state == SlotState.WRITING || (s.bootable() && state == SlotState.EMPTY)) {
                throw new PolicyException(PolicyException.Reason.WRONG_STATE, "mark-good " + s.name()
                        + ": it is " + state.jsonName() + "; its content is unknown");
            }
        }
        long newFloor = securityFloor();
        Instant created = null;
        for (Slot s : group) {
            SlotStatus ss = before.slot(s.name());
            if (ss.securityVersion() != null) {
                newFloor = Math.max(newFloor, ss.securityVersion());
            }
            if (ss.created() != null && (created == null || ss.created().isAfter(created))) {
                created = ss.created();
            }
        }
        adapter.markGood(group.get(0).bootname());
        adapter.raiseSecurityFloor(newFloor);
        raiseVersionFile(newFloor);
        long floor = newFloor;
        Instant timeFloor = created;
        Instant now = clock.instant();
        String bootId = bootId();
        update(st -> {
            DeviceStatus out = st.withSecurityFloorAtLeast(floor).withTimeFloorAtLeast(timeFloor);
            for (Slot s : group) {
                SlotStatus ss = st.slot(s.name());
                if (s.bootable() || ss.state() != SlotState.EMPTY) {
                    out = out.withSlot(s.name(), ss.withState(SlotState.GOOD, now, bootId));
                }
            }
            return out;
        });
    }

    /**
     * Makes {@code slot}'s group unbootable (bootloader first) and records why. Refused when no other slot could
     * boot afterwards: the last slot that is not bad is never marked bad.
     */
    public void markBad(Slot slot, String reason) {
        List<Slot> group = group(slot);
        requireAnotherBootableSlot(group.get(0), current(), "mark-bad");
        adapter.markBad(group.get(0).bootname());
        Instant now = clock.instant();
        String bootId = bootId();
        update(st -> {
            DeviceStatus out = st;
            for (Slot s : group) {
                out = out.withSlot(s.name(), st.slot(s.name()).failed(reason, now, bootId));
            }
            return out;
        });
    }

    /**
     * The trial itself, for {@link #activate} and {@link #markActive}: the group must pass
     * {@link GroupContent#requireBootable}; try-once first, then the whole group {@code pending} with this boot's id
     * and the bundle on trial (why in this order: {@link #activate}).
     */
    private void offerForTrial(String what, List<Slot> group, Slot bootable, DeviceStatus before) {
        GroupContent.requireBootable(what, group, before, securityFloor());
        String trial = bundleOnTrial(group, before);
        adapter.setTryOnce(bootable.bootname());
        Instant now = clock.instant();
        String bootId = bootId();
        update(st -> {
            DeviceStatus out = st.withTrialBundle(trial);
            for (Slot s : group) {
                out = out.withSlot(s.name(), st.slot(s.name()).withState(SlotState.PENDING, now, bootId));
            }
            return out;
        });
    }

    /**
     * Makes {@code slot} the one to boot next ({@code mark-active}). The booted slot becomes primary again and any
     * trial of the other is called off ({@code pending} back to {@code installed}); another slot gets a try-once
     * trial like {@link #activate}. Refused for a group that {@link GroupContent#requireBootable} refuses (a slot
     * never written in full and checked, a bad slot beside another bundle's) or whose security-version is below
     * the floor.
     */
    public void markActive(Slot slot) {
        List<Slot> group = group(slot);
        Slot bootable = group.get(0);
        DeviceStatus st = current();
        if (bootable.name().equals(booted().name())) {
            adapter.markGood(bootable.bootname());
            Instant now = clock.instant();
            String bootId = bootId();
            update(s -> {
                DeviceStatus out = s;
                for (Slot o : targetGroup()) {
                    if (s.slot(o.name()).state() == SlotState.PENDING) {
                        out = out.withSlot(o.name(), s.slot(o.name()).withState(SlotState.INSTALLED, now, bootId));
                    }
                }
                return out;
            });
            return;
        }
        offerForTrial("mark-active", group, bootable, st);
    }

    /**
     * The bundle a trial of {@code group} is about: the one its slots that are not good hold (GroupContent lets
     * a group boot only when those all hold one bundle), or null when every slot is good. Recorded at activate,
     * because once the trial starts every slot of the group is {@code pending}, and the device's clock (the
     * {@code installed} times) may have been reset since.
     */
    private static String bundleOnTrial(List<Slot> group, DeviceStatus st) {
        return group.stream().map(s -> st.slot(s.name()))
                .filter(ss -> ss.state() != SlotState.GOOD && ss.bundleId() != null)
                .map(SlotStatus::bundleId).findFirst().orElse(null);
    }

    /** The report {@code tandem status} prints. */
    public StatusReport status() {
        DeviceStatus st = current();
        Optional<String> primaryBootname = adapter.primary();
        Slot primary = primaryBootname.flatMap(this::byBootname).orElse(null);
        Slot fallback = null;
        List<StatusReport.SlotReport> reports = new ArrayList<>();
        for (Slot s : slots) {
            SlotStatus ss = st.slot(s.name());
            StatusReport.BootloaderView view = null;
            if (s.bootable()) {
                BootSlotState b = adapter.state(s.bootname());
                view = new StatusReport.BootloaderView(b.bootable(),
                        b.attemptsLeft() == BootSlotState.UNLIMITED ? null : b.attemptsLeft());
                if (b.bootable() && fallback == null && (primary == null || !primary.name().equals(s.name()))) {
                    fallback = s;
                }
            }
            reports.add(new StatusReport.SlotReport(s.name(), s.slotClass(), s.bootname(), s.device().toString(),
                    group(booted()).contains(s), ss.state(), ss.version(), ss.bundleId(), ss.securityVersion(),
                    ss.changed(), ss.lastFailure(), view));
        }
        List<String> warnings = new ArrayList<>();
        WatchdogProbe.warning(sysClassWatchdog).ifPresent(warnings::add);
        if (adapter.simulatedBoot().isPresent()) {
            warnings.add("bootloader = " + adapter.name() + " is a simulation (demo and tests); no real bootloader reads it");
        }
        if (primary == null) {
            warnings.add("the bootloader has no bootable slot");
        }
        return new StatusReport(config.compatible(), config.bootloader(), booted().name(), booted.evidence(),
                primary == null ? null : primary.name(), fallback == null ? null : fallback.name(),
                securityFloor(), st.timeFloor(), reports, st.failedBundles(), warnings);
    }

    // ---- for boot-check (dev.tandem.slot.bootcheck) ---------------------------------------------------------
    // Boot-check is the only caller that sees a boot happen and a trial end. These are the status writes and the
    // question it needs beyond the transitions above, each as narrow as the rule it serves (ARCHITECTURE.md §6);
    // the general update() stays private. Like every change here, each re-reads status first.

    /**
     * Writes the factory default status when there is no status file yet; otherwise writes nothing. Public for
     * boot-check: a factory-flashed device gets its status file on its first boot, so that later boots compare
     * against what that boot saw rather than re-deriving it.
     */
    public void storeFactoryDefault() {
        if (store.read().isEmpty()) {
            store.save(current());
        }
    }

    /**
     * Counts one more boot of {@code slot} while it is on trial. Public for boot-check, which runs once per boot:
     * the count tells a trial that never reached boot-check from one that did.
     */
    public void countBootAttempt(Slot slot) {
        update(s -> s.withSlot(slot.name(), s.slot(slot.name()).withBootAttempt()));
    }

    /**
     * Records that {@code bundleId} failed its trial on {@code slot}, stamped with this object's clock. Public for
     * boot-check, which alone sees a trial fail: the policy then refuses the bundle without {@code --retry}, so an
     * agent does not reinstall it in a loop.
     */
    public void recordFailedBundle(String bundleId, String version, Slot slot, String reason) {
        FailedBundle failed = new FailedBundle(bundleId, version, slot.name(), reason, clock.instant());
        update(s -> s.withFailedBundle(failed));
    }

    /**
     * Whether another bootable slot than {@code bootable} could boot (good, installed or pending), as status says
     * now. Public for boot-check, which keeps the last slot that is not bad instead of failing its trial.
     */
    public boolean anotherSlotCanBoot(Slot bootable) {
        return anotherSlotCanBoot(bootable, current());
    }

    /**
     * The clock status changes are stamped with. Public for the factory-reset request, so that it and the status
     * agree on the time (tests set a fixed clock).
     */
    public Clock clock() {
        return clock;
    }

    /** Applies {@code change} to the freshly read status and saves it. */
    private void update(UnaryOperator<DeviceStatus> change) {
        store.save(change.apply(current()));
    }

    private boolean anotherSlotCanBoot(Slot bootable, DeviceStatus st) {
        return slots.stream().filter(s -> s.bootable() && !s.name().equals(bootable.name()))
                .map(s -> st.slot(s.name()).state())
                .anyMatch(state -> state == SlotState.GOOD || state == SlotState.INSTALLED
                        || state == SlotState.PENDING);
    }

    private void requireAnotherBootableSlot(Slot bootable, DeviceStatus st, String operation) {
        if (!anotherSlotCanBoot(bootable, st)) {
            throw new PolicyException(PolicyException.Reason.LAST_BOOTABLE_SLOT, operation + " " + bootable.name()
                    + ": no other slot could boot; the last slot that is not bad is never marked bad");
        }
    }

    private void requireNotBootedGroup(Slot slot, String operation) {
        if (bootableOf(slot).name().equals(booted().name())) {
            throw new PolicyException(PolicyException.Reason.TARGET_BOOTED, operation + " " + slot.name()
                    + ": it is part of the booted group (booted: " + booted().name() + ")");
        }
    }

    private static void requireState(DeviceStatus st, Slot slot, String operation, SlotState expected) {
        SlotState actual = st.slot(slot.name()).state();
        if (actual != expected) {
            throw new PolicyException(PolicyException.Reason.WRONG_STATE, operation + " " + slot.name() + ": it is "
                    + actual.jsonName() + ", not " + expected.jsonName());
        }
    }

    private Slot bootableOf(Slot slot) {
        if (slot.bootable()) {
            return slot;
        }
        return slots.stream().filter(s -> s.name().equals(slot.parent())).findFirst().orElseThrow();
    }

    private Optional<Slot> byBootname(String bootname) {
        return slots.stream().filter(s -> bootname.equals(s.bootname())).findFirst();
    }

    private long versionFileFloor() {
        Path file = config.antiRollback().versionFile();
        if (file == null) {
            return 0;
        }
        try {
            Optional<byte[]> bytes = DurableFile.at(file).read();
            return bytes.isEmpty() ? 0 : Long.parseLong(new String(bytes.get(), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            throw new SlotIoException("anti-rollback version-file " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private void raiseVersionFile(long floor) {
        Path file = config.antiRollback().versionFile();
        if (file == null || versionFileFloor() >= floor) {
            return;
        }
        try {
            DurableFile.at(file).replace((floor + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new SlotIoException("anti-rollback version-file " + file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
