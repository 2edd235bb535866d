package dev.tandem.slot.policy;

import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * Decides whether a candidate may be installed, before anything is written (ARCHITECTURE.md §5), in this order:
 * <ol>
 *   <li>{@code compatible} equals the system's ({@link PolicyException.Reason#INCOMPATIBLE});</li>
 *   <li>{@code security-version} ≥ the floor, always: no flag overrides it ({@code SECURITY_VERSION});</li>
 *   <li>the booted slot is {@code good}: never overwrite the only known-good slot while another is on trial;
 *       {@code force} overrides ({@code BOOTED_NOT_GOOD});</li>
 *   <li>the bundle did not fail here before, unless {@code retry} ({@code FAILED_BUNDLE});</li>
 *   <li>its version is above the booted slot's; equal needs {@code reinstall} ({@code REINSTALL}), lower
 *       {@code allowDowngrade} ({@code DOWNGRADE}). A booted slot of unknown version (factory-flashed) takes any;</li>
 *   <li>every image's class has exactly one target slot, no two images share one ({@code NO_TARGET});</li>
 *   <li>every slot of the target group that the bundle does not write is {@code good}: the group boots as a whole,
 *       and a bad or half-written slot must not boot beside this bundle's images ({@code MIXED_GROUP}; no flag
 *       overrides it; see {@link GroupContent});</li>
 *   <li>each image fits its slot ({@code TOO_SMALL}).</li>
 * </ol>
 */
public final class InstallPolicy {

    private final String compatible;
    private final Slot booted;
    private final DeviceStatus status;
    private final SlotStatus bootedStatus;
    private final long securityFloor;
    private final List<Slot> targetGroup;

    /**
     * @param compatible    the system's {@code compatible}
     * @param booted        the booted slot
     * @param status        the device status: the slots' states and {@code failed-bundles}
     * @param securityFloor the effective anti-rollback floor
     * @param targetGroup   the slots an install may write: the other slot of each class
     */
    public InstallPolicy(String compatible, Slot booted, DeviceStatus status, long securityFloor,
                         List<Slot> targetGroup) {
        this.compatible = compatible;
        this.booted = booted;
        this.status = status;
        this.bootedStatus = status.slot(booted.name());
        this.securityFloor = securityFloor;
        this.targetGroup = List.copyOf(targetGroup);
    }

    /**
     * Checks {@code candidate} and returns where each image goes.
     *
     * @param slotSize the size in bytes of a slot's device (the installer measures block devices)
     * @throws PolicyException with the first rule the candidate breaks
     */
    public List<ImageTarget> check(Candidate candidate, InstallOptions options, ToLongFunction<Slot> slotSize) {
        if (!candidate.compatible().equals(compatible)) {
            throw refuse(PolicyException.Reason.INCOMPATIBLE, "bundle is for '" + candidate.compatible()
                    + "', this system is '" + compatible + "'");
        }
        if (candidate.securityVersion() < securityFloor) {
            throw refuse(PolicyException.Reason.SECURITY_VERSION, "security-version " + candidate.securityVersion()
                    + " is below this device's floor " + securityFloor + " (no option overrides this)");
        }
        if (bootedStatus.state() != SlotState.GOOD && !options.force()) {
            throw refuse(PolicyException.Reason.BOOTED_NOT_GOOD, "booted slot " + booted.name() + " is "
                    + bootedStatus.state().jsonName() + ", not good; installing now could leave no good slot"
                    + " (wait for boot-check, or --force)");
        }
        if (status.hasFailed(candidate.bundleId()) && !options.retry()) {
            throw refuse(PolicyException.Reason.FAILED_BUNDLE, "bundle " + shortId(candidate.bundleId())
                    + " (version " + candidate.version() + ") failed on this device before (--retry to try again)");
        }
        checkVersion(candidate, options);
        List<ImageTarget> targets = targetsFor(candidate);
        GroupContent.requireCompleteAfterInstall(targetGroup,
                targets.stream().map(t -> t.slot().name()).collect(Collectors.toSet()), status, securityFloor);
        for (ImageTarget t : targets) {
            long size = slotSize.applyAsLong(t.slot());
            if (t.image().sizeBytes() > size) {
                throw refuse(PolicyException.Reason.TOO_SMALL, "image " + t.image().name() + " (" + t.image().sizeBytes()
                        + " bytes) does not fit slot " + t.slot().name() + " (" + size + " bytes)");
            }
        }
        return targets;
    }

    private void checkVersion(Candidate candidate, InstallOptions options) {
        SemVer next;
        try {
            next = SemVer.parse(candidate.version());
        } catch (IllegalArgumentException e) {
            throw refuse(PolicyException.Reason.INCOMPATIBLE, "bundle version: " + e.getMessage());
        }
        if (bootedStatus.version() == null) {
            return;
        }
        SemVer running = SemVer.parse(bootedStatus.version());
        int c = next.compareTo(running);
        if (c == 0 && !options.reinstall()) {
            throw refuse(PolicyException.Reason.REINSTALL, "version " + next + " is the booted slot's version"
                    + " (--reinstall to install it again)");
        }
        if (c < 0 && !options.allowDowngrade()) {
            throw refuse(PolicyException.Reason.DOWNGRADE, "version " + next + " is lower than the booted slot's "
                    + running + " (--allow-downgrade)");
        }
    }

    /**
     * Where each image of {@code candidate} goes: the target-group slot of its class.
     *
     * @throws PolicyException {@code NO_TARGET} when a class has no target or two images want one slot
     */
    public List<ImageTarget> targetsFor(Candidate candidate) {
        Map<String, Slot> byClass = new HashMap<>();
        for (Slot s : targetGroup) {
            byClass.put(s.slotClass(), s);
        }
        Map<String, String> taken = new HashMap<>();
        List<ImageTarget> out = new ArrayList<>();
        for (CandidateImage image : candidate.images()) {
            Slot slot = byClass.get(image.slotClass());
            if (slot == null) {
                throw refuse(PolicyException.Reason.NO_TARGET, "image " + image.name() + ": no slot of class "
                        + image.slotClass() + " to install to (classes: " + String.join(", ", byClass.keySet()) + ")");
            }
            String other = taken.putIfAbsent(slot.name(), image.name());
            if (other != null) {
                throw refuse(PolicyException.Reason.NO_TARGET, "images " + other + " and " + image.name()
                        + " both go to slot " + slot.name());
            }
            if (slot.name().equals(booted.name()) || booted.name().equals(slot.parent())) {
                throw refuse(PolicyException.Reason.TARGET_BOOTED, "image " + image.name() + ": slot " + slot.name()
                        + " is part of the booted group");
            }
            out.add(new ImageTarget(image, slot));
        }
        if (out.isEmpty()) {
            throw refuse(PolicyException.Reason.NO_TARGET, "bundle has no images");
        }
        return out;
    }

    private static PolicyException refuse(PolicyException.Reason reason, String message) {
        return new PolicyException(reason, "policy: " + message);
    }

    static String shortId(String bundleId) {
        return bundleId.length() > 12 ? bundleId.substring(0, 12) + "…" : bundleId;
    }
}
