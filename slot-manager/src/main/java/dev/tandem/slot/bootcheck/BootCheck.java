package dev.tandem.slot.bootcheck;

import dev.tandem.slot.CommandRunner;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The boot-time contract (ARCHITECTURE.md §6), run on every boot by {@code tandem boot-check}, with the data-dir lock held:
 * <ul>
 *   <li>booted slot {@code good}: if the other slot was made {@code pending} in an earlier boot, the bootloader
 *       fell back from it: it is marked bad with the reason, its bundle goes to {@code failed-bundles} and the
 *       {@code on-fallback} hook runs. Then the booted slot's counter is re-armed (written only if it differs) and
 *       the health checks run; a failure is reported, and marks the slot bad only with {@code fallback-from-good}
 *       and a good slot to fall back to;</li>
 *   <li>booted slot {@code installed}/{@code pending} (on trial): healthy → mark good (the other slot stays as
 *       fallback) and run {@code post-mark-good}; unhealthy → mark bad, add its bundle to {@code failed-bundles}
 *       and run the reboot command;</li>
 *   <li>booted slot {@code writing}/{@code empty}/{@code bad}: mark it bad and reboot, unless the other slot is not
 *       good either;</li>
 *   <li>the last slot that is not bad is never marked bad: it is kept, and re-armed so the bootloader keeps
 *       booting it.</li>
 * </ul>
 */
public final class BootCheck {

    /** How long the reboot command may take to return (systemctl reboot returns at once). */
    static final Duration REBOOT_TIMEOUT = Duration.ofSeconds(60);

    private final DeviceSlots slots;
    private final HealthCheck health;
    private final Hooks hooks;
    private final Consumer<BootCheckResult> beforeReboot;

    public BootCheck(DeviceSlots slots, HealthCheck health, Hooks hooks) {
        this(slots, health, hooks, r -> { });
    }

    /**
     * @param beforeReboot gets the verdict before the reboot command runs: under systemd, {@code systemctl reboot}
     *                     stops boot-check's unit at once, and what it prints afterwards never reaches the journal
     */
    public BootCheck(DeviceSlots slots, HealthCheck health, Hooks hooks, Consumer<BootCheckResult> beforeReboot) {
        this.slots = slots;
        this.health = health;
        this.hooks = hooks;
        this.beforeReboot = beforeReboot;
    }

    public BootCheckResult run() {
        // First, before the data partition is mounted (README.md "Factory reset"); it does not touch the slots.
        java.util.Optional<String> reset = new FactoryReset(slots).honourPending();
        BootCheckResult r = decide();
        if (reset.isEmpty()) {
            return r;
        }
        List<String> notes = new ArrayList<>(r.notes());
        notes.add(0, reset.get());
        return new BootCheckResult(r.outcome(), r.booted(), r.reason(), r.fellBackFrom(), r.rebooting(), notes);
    }

    private BootCheckResult decide() {
        Slot booted = slots.booted();
        Slot other = slots.other(booted);
        // A factory-flashed device gets its status file on the first boot, so that later boots compare against
        // what this one saw rather than re-deriving it.
        slots.storeFactoryDefault();
        DeviceStatus st = slots.current();
        return switch (st.slot(booted.name()).state()) {
            case GOOD -> bootedGood(booted, other, st);
            case INSTALLED, PENDING -> bootedOnTrial(booted);
            case WRITING, EMPTY, BAD -> bootedUnusable(booted, other, st);
        };
    }

    private BootCheckResult bootedGood(Slot booted, Slot other, DeviceStatus st) {
        List<String> notes = new ArrayList<>();
        String fellBackFrom = null;
        String bootId = slots.bootId();
        SlotStatus os = st.slot(other.name());
        if (os.state() == SlotState.PENDING && !bootId.equals(os.bootId())) {
            fellBackFrom = other.name();
            recordFallback(other, os, booted, notes);
        }
        slots.adapter().rearm(booted.bootname());
        HealthResult h = health.run();
        String prefix = fellBackFrom == null ? "" : "fell back from " + fellBackFrom + "; ";
        if (h.healthy()) {
            return new BootCheckResult(BootCheckResult.Outcome.STAYED_GOOD, booted.name(), prefix + "healthy",
                    fellBackFrom, false, notes);
        }
        if (!slots.config().health().fallbackFromGood()) {
            return new BootCheckResult(BootCheckResult.Outcome.UNHEALTHY_REPORTED, booted.name(), prefix
                    + h.reason(), fellBackFrom, false, notes);
        }
        SlotState otherNow = slots.current().slot(other.name()).state();
        if (otherNow != SlotState.GOOD) {
            return new BootCheckResult(BootCheckResult.Outcome.UNHEALTHY_REPORTED, booted.name(), prefix + h.reason()
                    + "; not falling back: " + other.name() + " is " + otherNow.jsonName(), fellBackFrom, false, notes);
        }
        String reason = "health check failed on good slot (fallback-from-good): " + h.reason();
        slots.markBad(booted, reason);
        return rebootAway(booted, reason, fellBackFrom, notes);
    }

    private void recordFallback(Slot other, SlotStatus os, Slot booted, List<String> notes) {
        SlotStatus trial = bundleOnTrial(other, slots.current());
        String reason = "fallback: " + other.name() + " (version " + trial.version() + ") was activated in boot "
                + os.bootId() + ", but " + booted.name() + " is booted in boot " + slots.bootId()
                + (os.bootAttempts() == 0 ? "; it never reached boot-check (hang, panic or watchdog reset)"
                : "; it was seen booting " + os.bootAttempts() + " time(s) without being marked good");
        slots.markBad(other, reason);
        if (trial.bundleId() != null) {
            slots.recordFailedBundle(trial.bundleId(), trial.version(), other, reason);
        }
        Hooks.HookResult hook = hooks.run(Hooks.Hook.ON_FALLBACK,
                Hooks.environment(other, trial.bundleId(), trial.version(), reason));
        if (!hook.ok()) {
            notes.add(hook.reason());
        }
    }

    private BootCheckResult bootedOnTrial(Slot booted) {
        List<String> notes = new ArrayList<>();
        slots.countBootAttempt(booted);
        HealthResult h = health.run();
        if (h.healthy()) {
            slots.markGood(booted);
            SlotStatus now = bundleOnTrial(booted, slots.current());
            Hooks.HookResult hook = hooks.run(Hooks.Hook.POST_MARK_GOOD,
                    Hooks.environment(booted, now.bundleId(), now.version(), "marked good by boot-check"));
            if (!hook.ok()) {
                notes.add(hook.reason());
            }
            return new BootCheckResult(BootCheckResult.Outcome.MARKED_GOOD, booted.name(), "healthy", null, false,
                    notes);
        }
        String reason = "trial boot failed: " + h.reason();
        if (!slots.anotherSlotCanBoot(booted)) {
            return keep(booted, reason, notes);
        }
        SlotStatus trial = bundleOnTrial(booted, slots.current());
        slots.markBad(booted, reason);
        if (trial.bundleId() != null) {
            // A bundle that fails its trial would fail again: keep an agent from reinstalling it in a loop.
            slots.recordFailedBundle(trial.bundleId(), trial.version(), booted, reason);
        }
        return rebootAway(booted, reason, null, notes);
    }

    /**
     * The status of the slot whose bundle a group's trial is about: the bundle activate recorded. A bundle for some
     * classes leaves the group's other slots (the bootable one too) holding the bundle that was good before, which
     * must not go to {@code failed-bundles} for it. Without a record (a trial of good slots, or a status file from
     * before the record existed) it is the booted slot's own bundle.
     */
    private SlotStatus bundleOnTrial(Slot bootable, DeviceStatus st) {
        return slots.group(bootable).stream().map(s -> st.slot(s.name()))
                .filter(ss -> st.trialBundle() != null && st.trialBundle().equals(ss.bundleId()))
                .findFirst()
                .orElse(st.slot(bootable.name()));
    }

    private BootCheckResult bootedUnusable(Slot booted, Slot other, DeviceStatus st) {
        SlotStatus bs = st.slot(booted.name());
        String reason = "booted slot " + booted.name() + " is " + bs.state().jsonName()
                + (bs.lastFailure() == null ? "" : " (" + bs.lastFailure() + ")");
        if (st.slot(other.name()).state() != SlotState.GOOD) {
            return keep(booted, reason + "; " + other.name() + " is not good either", new ArrayList<>());
        }
        slots.markBad(booted, bs.lastFailure() != null ? bs.lastFailure() : reason);
        return rebootAway(booted, reason, null, new ArrayList<>());
    }

    private BootCheckResult keep(Slot booted, String reason, List<String> notes) {
        // Spent counters would make the bootloader give up on the only slot that runs.
        slots.adapter().rearm(booted.bootname());
        return new BootCheckResult(BootCheckResult.Outcome.KEPT_LAST_SLOT, booted.name(),
                reason + "; kept: the last slot that is not bad is never marked bad", null, false, notes);
    }

    private BootCheckResult rebootAway(Slot booted, String reason, String fellBackFrom, List<String> notes) {
        beforeReboot.accept(new BootCheckResult(BootCheckResult.Outcome.MARKED_BAD, booted.name(), reason,
                fellBackFrom, true, List.copyOf(notes)));
        String command = slots.config().rebootCommand();
        CommandRunner.Result r = CommandRunner.shell(command, Map.of(), REBOOT_TIMEOUT);
        if (!r.ok()) {
            notes.add("reboot command '" + command + "' " + r.describe(REBOOT_TIMEOUT));
        }
        return new BootCheckResult(BootCheckResult.Outcome.MARKED_BAD, booted.name(), reason, fellBackFrom, true,
                notes);
    }
}
