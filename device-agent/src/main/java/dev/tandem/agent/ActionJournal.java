package dev.tandem.agent;

import dev.tandem.agent.managed.AgentFlow;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.agent.ddi.UpdateStatus;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The managed agent's journal, {@code <data-dir>/agent/action.json}: the one action the agent is working on and
 * the persisted state it was last in (Mender's StateData). Written whole through {@link DurableFile} on entry to
 * every persisted state, before that state's step acts, so a power cut or kill -9 anywhere leaves a journal that
 * {@link AgentFlow#resume} maps to where to go on (ARCHITECTURE.md §7: the final result of an action is sent exactly
 * once, after the reboot, whatever crashes in between). No journal: no action in progress.
 *
 * @param format        journal format, {@value #FORMAT}; a reader refuses another (since 1)
 * @param state         the persisted state last entered: what {@link AgentFlow#resume} maps (since 1)
 * @param actionId      the hawkBit action: where feedback and the final result go (since 1)
 * @param artifact      the bundle's file name, for messages (since 1)
 * @param noActivate    the server said {@code update: skip} (download only, or a closed maintenance window):
 *                      install without activating (since 1)
 * @param attempts      install starts of this action: a crash or drop loop ends in a failure report (since 1)
 * @param targetSlot    the bootable slot the bundle went to: what boot-check's verdict is read from (since 1)
 * @param bundleId      the installed bundle's id: the target must still hold it after the reboot (since 1)
 * @param version       the installed bundle's version, for messages (since 1)
 * @param activatedBoot the boot id when try-once was set: a different one after restart means the device
 *                      rebooted since (since 1)
 * @param outcome       the final result to send ({@code SUCCESS} or {@code FAILURE}), fixed before the first
 *                      attempt to send it, so a crash resends the same result (since 1)
 * @param reason        one line for the action history with the outcome (since 1)
 * @param updated       when it was written, for people (since 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ActionJournal(
        @JsonProperty("format") int format,
        @JsonProperty("state") AgentState state,
        @JsonProperty("action-id") String actionId,
        @JsonProperty("artifact") String artifact,
        @JsonProperty("no-activate") boolean noActivate,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("target-slot") String targetSlot,
        @JsonProperty("bundle-id") String bundleId,
        @JsonProperty("version") String version,
        @JsonProperty("activated-boot") String activatedBoot,
        @JsonProperty("outcome") UpdateStatus outcome,
        @JsonProperty("reason") String reason,
        @JsonProperty("updated") String updated) {

    /** The format this code writes and reads. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ActionJournal {
        Objects.requireNonNull(actionId, "actionId");
    }

    /** A fresh journal for {@code actionId}. */
    public static ActionJournal start(String actionId) {
        return new ActionJournal(FORMAT, null, actionId, null, false, 0, null, null, null, null, null, null, null);
    }

    /** About to install {@code artifact} (one more attempt). */
    public ActionJournal installing(String artifactName, boolean noActivateFlag) {
        return new ActionJournal(format, state, actionId, artifactName, noActivateFlag, attempts + 1, targetSlot,
                bundleId, version, activatedBoot, outcome, reason, updated);
    }

    /** The install was stopped by the download policy: that start does not count against the attempts. */
    public ActionJournal notAnAttempt() {
        return new ActionJournal(format, state, actionId, artifact, noActivate, Math.max(0, attempts - 1), targetSlot,
                bundleId, version, activatedBoot, outcome, reason, updated);
    }

    /** The bundle is installed in {@code slot}. */
    public ActionJournal installed(String slot, String id, String ver) {
        return new ActionJournal(format, state, actionId, artifact, noActivate, attempts, slot, id, ver,
                activatedBoot, outcome, reason, updated);
    }

    /** Try-once was set in boot {@code bootId}. */
    public ActionJournal activated(String bootId) {
        return new ActionJournal(format, state, actionId, artifact, noActivate, attempts, targetSlot, bundleId,
                version, bootId, outcome, reason, updated);
    }

    /** The final result is decided. */
    public ActionJournal reporting(UpdateStatus result, String why) {
        if (!result.isFinal()) {
            throw new IllegalArgumentException(result + " is not a final result");
        }
        return new ActionJournal(format, state, actionId, artifact, noActivate, attempts, targetSlot, bundleId,
                version, activatedBoot, result, why, updated);
    }

    /** In {@code newState} as of {@code now}. */
    public ActionJournal in(AgentState newState, Instant now) {
        return new ActionJournal(format, newState, actionId, artifact, noActivate, attempts, targetSlot, bundleId,
                version, activatedBoot, outcome, reason, now.toString());
    }

    /** Whether an install of this action may have written the target slot. */
    public boolean mayHaveWritten() {
        return artifact != null;
    }

    /**
     * Reads the journal.
     *
     * @return empty when there is none
     * @throws IOException when it cannot be read or is of another format: the agent stops rather than guess
     *                     (an older agent after a fallback must not misread a newer journal)
     */
    public static Optional<ActionJournal> load(DurableFile file) throws IOException {
        Optional<byte[]> bytes = file.read();
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        ActionJournal j;
        try {
            j = JSON.readValue(bytes.get(), ActionJournal.class);
        } catch (IOException | RuntimeException e) {
            throw new IOException("agent journal " + file.path() + ": cannot parse: " + e.getMessage(), e);
        }
        if (j.format() != FORMAT || j.state() == null) {
            throw new IOException("agent journal " + file.path() + ": format " + j.format() + " (state " + j.state()
                    + ") is not the format " + FORMAT + " this agent reads");
        }
        return Optional.of(j);
    }

    /** Replaces the journal atomically. */
    public void store(DurableFile file) throws IOException {
        file.replace(JSON.writeValueAsBytes(this));
    }
}
