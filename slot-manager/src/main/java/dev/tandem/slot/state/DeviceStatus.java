package dev.tandem.slot.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code <data-dir>/status.json}: the slot states and the device-wide floors. Immutable; the
 * {@code with...} methods return changed copies that {@link StatusStore#save} writes atomically.
 *
 * @param format        the file format, {@value #FORMAT}: a reader refuses a newer one rather than misread it
 * @param securityFloor the anti-rollback floor: bundles with a lower security-version are refused, always.
 *                      Raised when a slot is marked good; never lowered. Since format 1
 * @param timeFloor     the newest {@code created} of any bundle marked good: signer certificates are checked at
 *                      max(now, time floor), so a device whose clock is reset cannot be fed an expired signer.
 *                      Null until the first bundle is marked good. Since format 1
 * @param failedBundles bundles whose trial failed here, newest last, at most {@value #MAX_FAILED_BUNDLES}: policy
 *                      refuses them without {@code --retry}. Since format 1
 * @param slots         per slot, by name. Since format 1
 * @param trialBundle   the bundle id the last trial (activate, mark-active) was started for: the bundle that
 *                      boot-check records as failed when the trial fails. Null when the trial was of slots that
 *                      were all good, or in files written before it existed (format 1, optional)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceStatus(
        @JsonProperty("format") int format,
        @JsonProperty("security-floor") long securityFloor,
        @JsonProperty("time-floor") Instant timeFloor,
        @JsonProperty("failed-bundles") List<FailedBundle> failedBundles,
        @JsonProperty("slots") Map<String, SlotStatus> slots,
        @JsonProperty("trial-bundle") String trialBundle) {

    /** The format this code writes and reads. */
    public static final int FORMAT = 1;

    /**
     * How many failed bundles are remembered: enough to stop an agent from retrying the last few releases,
     * bounded so the file stays small.
     */
    public static final int MAX_FAILED_BUNDLES = 16;

    /** A status with no trial recorded. */
    public DeviceStatus(int format, long securityFloor, Instant timeFloor, List<FailedBundle> failedBundles,
                        Map<String, SlotStatus> slots) {
        this(format, securityFloor, timeFloor, failedBundles, slots, null);
    }

    public DeviceStatus {
        failedBundles = failedBundles == null ? List.of() : List.copyOf(failedBundles);
        slots = slots == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(slots));
    }

    /** The status of slot {@code name}; {@code empty} when it has none. */
    public SlotStatus slot(String name) {
        SlotStatus s = slots.get(name);
        return s != null ? s : SlotStatus.of(SlotState.EMPTY, null, null);
    }

    public DeviceStatus withSlot(String name, SlotStatus status) {
        Map<String, SlotStatus> copy = new LinkedHashMap<>(slots);
        copy.put(name, status);
        return new DeviceStatus(format, securityFloor, timeFloor, failedBundles, copy, trialBundle);
    }

    /** Raises the security floor to {@code floor}; a lower value changes nothing. */
    public DeviceStatus withSecurityFloorAtLeast(long floor) {
        return new DeviceStatus(format, Math.max(securityFloor, floor), timeFloor, failedBundles, slots, trialBundle);
    }

    /** Raises the time floor to {@code time}; an older time changes nothing. */
    public DeviceStatus withTimeFloorAtLeast(Instant time) {
        Instant t = timeFloor == null || (time != null && time.isAfter(timeFloor)) ? time : timeFloor;
        return new DeviceStatus(format, securityFloor, t, failedBundles, slots, trialBundle);
    }

    /** Records the bundle a trial is started for (null: none, the trial is of good slots). */
    public DeviceStatus withTrialBundle(String bundleId) {
        return new DeviceStatus(format, securityFloor, timeFloor, failedBundles, slots, bundleId);
    }

    /** Records a failed bundle (replacing an older record of the same id), dropping the oldest beyond the bound. */
    public DeviceStatus withFailedBundle(FailedBundle failed) {
        List<FailedBundle> list = new ArrayList<>(failedBundles);
        list.removeIf(f -> f.bundleId().equals(failed.bundleId()));
        list.add(failed);
        while (list.size() > MAX_FAILED_BUNDLES) {
            list.remove(0);
        }
        return new DeviceStatus(format, securityFloor, timeFloor, list, slots, trialBundle);
    }

    /** Whether bundle {@code bundleId} failed here before. */
    public boolean hasFailed(String bundleId) {
        return failedBundles.stream().anyMatch(f -> f.bundleId().equals(bundleId));
    }
}
