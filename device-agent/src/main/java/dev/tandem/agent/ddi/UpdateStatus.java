package dev.tandem.agent.ddi;

import java.time.Instant;
import java.util.List;

/**
 * The one mapping from what happened on the device to DDI feedback (STYLE "Errors": outcomes become feedback in
 * one enum, like the hawkBit SDK's {@code UpdateStatus.Status}). Every feedback the agent sends goes through
 * {@link #feedback}; device-agent/DDI.md has the same table.
 *
 * <pre>
 * status           endpoint       execution   finished  hawkBit shows
 * DOWNLOADING      deploymentBase proceeding  none      running (with progress)
 * DOWNLOADED       deploymentBase downloaded  none      downloaded (closes a download-only action)
 * REBOOTING        deploymentBase proceeding  none      running
 * SUCCESS          deploymentBase closed      success   finished; target in sync
 * FAILURE          deploymentBase closed      failure   error; target in error
 * CANCELED         cancelAction   closed      success   canceled
 * </pre>
 */
public enum UpdateStatus {
    /** The bundle streams into the inactive slot; sent with progress. */
    DOWNLOADING(Endpoint.DEPLOYMENT, DdiExecution.PROCEEDING, DdiFinished.NONE),
    /** Installed without activation: a download-only action is done, or the maintenance window is closed. */
    DOWNLOADED(Endpoint.DEPLOYMENT, DdiExecution.DOWNLOADED, DdiFinished.NONE),
    /** Try-once is set; the device reboots into the new slot (or waits for a reboot). */
    REBOOTING(Endpoint.DEPLOYMENT, DdiExecution.PROCEEDING, DdiFinished.NONE),
    /** The new slot booted and boot-check marked it good (or this very version was already running). */
    SUCCESS(Endpoint.DEPLOYMENT, DdiExecution.CLOSED, DdiFinished.SUCCESS),
    /** The install failed, or the new slot failed its trial and the device fell back to the old one. */
    FAILURE(Endpoint.DEPLOYMENT, DdiExecution.CLOSED, DdiFinished.FAILURE),
    /** A cancel was carried out: the install stopped, the target slot is marked bad. */
    CANCELED(Endpoint.CANCEL, DdiExecution.CLOSED, DdiFinished.SUCCESS);

    /** Which feedback resource a status goes to. */
    public enum Endpoint {
        /** {@code deploymentBase/{id}/feedback} */
        DEPLOYMENT,
        /** {@code cancelAction/{id}/feedback} */
        CANCEL
    }

    private final Endpoint endpoint;
    private final DdiExecution execution;
    private final DdiFinished finished;

    UpdateStatus(Endpoint endpoint, DdiExecution execution, DdiFinished finished) {
        this.endpoint = endpoint;
        this.execution = execution;
        this.finished = finished;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public DdiExecution execution() {
        return execution;
    }

    public DdiFinished finished() {
        return finished;
    }

    /** Whether this closes the action on the server (its final result). */
    public boolean isFinal() {
        return execution == DdiExecution.CLOSED;
    }

    /**
     * The feedback body.
     *
     * @param actionId the action it is about
     * @param time     when it happened ({@code timestamp}, for hawkBit 1.x)
     * @param progress how far the download got, or null
     * @param details  lines for the action history
     */
    public DdiActionFeedback feedback(String actionId, Instant time, DdiProgress progress, List<String> details) {
        return new DdiActionFeedback(actionId, time.toEpochMilli(),
                new DdiStatus(execution, new DdiResult(finished, progress), details, null));
    }
}
