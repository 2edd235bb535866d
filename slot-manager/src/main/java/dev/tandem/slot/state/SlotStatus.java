package dev.tandem.slot.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * One slot's entry in status.json. Every field exists since format 1.
 *
 * @param state           where the slot is in the install/trial cycle: what boot-check and policy act on
 * @param version         SemVer of the bundle written to it: policy compares new bundles with the booted slot's
 * @param bundleId        SHA-256 (hex) of that bundle's manifest: goes to failed-bundles when its trial fails, and
 *                        lets the agent report which deployment a slot holds
 * @param imageSha256     SHA-256 of the image written, as verified: what {@code status} shows and a later check
 *                        of the slot compares against
 * @param securityVersion the bundle's security-version: raises the floor when the slot is marked good, and
 *                        {@code mark-active} refuses a slot below the floor
 * @param created         the bundle's {@code created}: raises the time floor when the slot is marked good
 * @param installed       when the write finished (for people reading status)
 * @param changed         when the state last changed (for people reading status)
 * @param bootId          the boot id of the last state change: a slot made {@code pending} in an earlier boot
 *                        while the other slot runs means the bootloader fell back (ARCHITECTURE.md §6)
 * @param bootAttempts    boots boot-check saw this slot booted while on trial: tells "never reached
 *                        boot-check" (0: hang or panic) from "failed its health checks" in the failure reason
 * @param lastFailure     why it was last marked bad, one line; null when it never was
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SlotStatus(
        @JsonProperty("state") SlotState state,
        @JsonProperty("version") String version,
        @JsonProperty("bundle-id") String bundleId,
        @JsonProperty("image-sha256") String imageSha256,
        @JsonProperty("security-version") Long securityVersion,
        @JsonProperty("created") Instant created,
        @JsonProperty("installed") Instant installed,
        @JsonProperty("changed") Instant changed,
        @JsonProperty("boot-id") String bootId,
        @JsonProperty("boot-attempts") int bootAttempts,
        @JsonProperty("last-failure") String lastFailure) {

    public SlotStatus {
        Objects.requireNonNull(state, "state");
    }

    /** A slot in {@code state} with nothing else known. */
    public static SlotStatus of(SlotState state, Instant now, String bootId) {
        return new SlotStatus(state, null, null, null, null, null, null, now, bootId, 0, null);
    }

    /**
     * The same content in another state, changed now in boot {@code bootId}. A new trial ({@code pending}) starts
     * counting boots afresh; other changes keep the count, so a slot marked good still shows the boots it took.
     */
    public SlotStatus withState(SlotState newState, Instant now, String newBootId) {
        return new SlotStatus(newState, version, bundleId, imageSha256, securityVersion, created, installed, now,
                newBootId, newState == SlotState.PENDING ? 0 : bootAttempts, lastFailure);
    }

    /** Marked bad for {@code reason}. */
    public SlotStatus failed(String reason, Instant now, String newBootId) {
        return new SlotStatus(SlotState.BAD, version, bundleId, imageSha256, securityVersion, created, installed, now,
                newBootId, bootAttempts, reason);
    }

    /** One more boot seen while on trial. */
    public SlotStatus withBootAttempt() {
        return new SlotStatus(state, version, bundleId, imageSha256, securityVersion, created, installed, changed,
                bootId, bootAttempts + 1, lastFailure);
    }
}
