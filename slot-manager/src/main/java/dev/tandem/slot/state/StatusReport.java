package dev.tandem.slot.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.List;

/**
 * What {@code tandem status} shows: the slots as status.json and the bootloader see them, the floors and
 * warnings. {@link #toJson()} is the {@code --json} form (stable names, kebab-case); {@link #toText()} is for
 * people.
 *
 * @param compatible     the system's compatible
 * @param bootloader     the bootloader kind
 * @param booted         the booted slot's name
 * @param bootedEvidence how the booted slot was told
 * @param primary        the slot the bootloader tries first next boot, null when none is bootable
 * @param fallback       the slot it falls back to, null when none
 * @param securityFloor  the effective anti-rollback floor
 * @param timeFloor      the signer-time floor, null when none
 * @param slots          every slot
 * @param failedBundles  bundles that failed here
 * @param warnings       things to fix (no watchdog, ...)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusReport(
        @JsonProperty("compatible") String compatible,
        @JsonProperty("bootloader") String bootloader,
        @JsonProperty("booted") String booted,
        @JsonProperty("booted-evidence") String bootedEvidence,
        @JsonProperty("primary") String primary,
        @JsonProperty("fallback") String fallback,
        @JsonProperty("security-floor") long securityFloor,
        @JsonProperty("time-floor") Instant timeFloor,
        @JsonProperty("slots") List<SlotReport> slots,
        @JsonProperty("failed-bundles") List<FailedBundle> failedBundles,
        @JsonProperty("warnings") List<String> warnings) {

    public StatusReport {
        slots = List.copyOf(slots);
        failedBundles = List.copyOf(failedBundles);
        warnings = List.copyOf(warnings);
    }

    /**
     * One slot.
     *
     * @param bootloader the bootloader's view; null for slots that follow a parent
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SlotReport(
            @JsonProperty("name") String name,
            @JsonProperty("class") String slotClass,
            @JsonProperty("bootname") String bootname,
            @JsonProperty("device") String device,
            @JsonProperty("booted") boolean booted,
            @JsonProperty("state") SlotState state,
            @JsonProperty("version") String version,
            @JsonProperty("bundle-id") String bundleId,
            @JsonProperty("security-version") Long securityVersion,
            @JsonProperty("changed") Instant changed,
            @JsonProperty("last-failure") String lastFailure,
            @JsonProperty("bootloader") BootloaderView bootloader) {
    }

    /**
     * @param bootable     whether the bootloader would boot it
     * @param attemptsLeft boots it still grants; null when it keeps no counter
     */
    public record BootloaderView(
            @JsonProperty("bootable") boolean bootable,
            @JsonProperty("attempts-left") Integer attemptsLeft) {
    }

    /** The report as JSON (pretty-printed). */
    public String toJson() {
        try {
            return StatusStore.JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status report not serialisable", e);
        }
    }

    /** The report as text for a terminal. */
    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append("compatible:     ").append(compatible).append('\n');
        out.append("bootloader:     ").append(bootloader).append('\n');
        out.append("booted:         ").append(booted).append(" (").append(bootedEvidence).append(")\n");
        out.append("primary:        ").append(primary == null ? "none" : primary).append('\n');
        out.append("fallback:       ").append(fallback == null ? "none" : fallback).append('\n');
        out.append("security floor: ").append(securityFloor).append('\n');
        if (timeFloor != null) {
            out.append("time floor:     ").append(timeFloor).append('\n');
        }
        for (SlotReport s : slots) {
            out.append('\n').append(s.name()).append(s.booted() ? " (booted)" : "").append('\n');
            out.append("  class:     ").append(s.slotClass())
                    .append(s.bootname() == null ? "" : ", bootname " + s.bootname()).append('\n');
            out.append("  device:    ").append(s.device()).append('\n');
            out.append("  state:     ").append(s.state().jsonName()).append('\n');
            if (s.version() != null) {
                out.append("  version:   ").append(s.version())
                        .append(s.securityVersion() == null ? "" : ", security-version " + s.securityVersion())
                        .append('\n');
            }
            if (s.bundleId() != null) {
                out.append("  bundle:    ").append(s.bundleId()).append('\n');
            }
            if (s.bootloader() != null) {
                out.append("  boot:      ").append(s.bootloader().bootable() ? "bootable" : "not bootable");
                if (s.bootloader().attemptsLeft() != null) {
                    out.append(", ").append(s.bootloader().attemptsLeft()).append(" attempt(s) left");
                }
                out.append('\n');
            }
            if (s.lastFailure() != null) {
                out.append("  failure:   ").append(s.lastFailure()).append('\n');
            }
        }
        if (!failedBundles.isEmpty()) {
            out.append("\nfailed bundles:\n");
            for (FailedBundle f : failedBundles) {
                out.append("  ").append(f.bundleId()).append(' ').append(f.version()).append(": ")
                        .append(f.reason()).append('\n');
            }
        }
        for (String w : warnings) {
            out.append("\nwarning: ").append(w);
        }
        if (!warnings.isEmpty()) {
            out.append('\n');
        }
        return out.toString();
    }
}
