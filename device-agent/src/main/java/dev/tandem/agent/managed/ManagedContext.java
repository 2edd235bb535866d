package dev.tandem.agent.managed;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.DownloadPolicy;
import dev.tandem.agent.InstallRun;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.agent.ddi.DdiControllerBase;
import dev.tandem.agent.ddi.DdiException;
import dev.tandem.agent.ddi.DdiLink;
import dev.tandem.agent.ddi.DdiProgress;
import dev.tandem.agent.ddi.UpdateStatus;
import dev.tandem.storage.DurableFile;
import dev.tandem.install.Installer;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.slot.state.DeviceSlots;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything the managed agent's steps share (Mender's Context): the wiring, the journal of the action in
 * progress, and what the agent learnt in this process (the last poll, the running install). Passed to every step;
 * no step reaches for global state. Touched only by the agent's thread, except {@link #wake}.
 */
final class ManagedContext {

    private static final System.Logger LOG = System.getLogger(ManagedContext.class.getName());

    /** hawkBit keeps at most this many characters of a detail line. */
    static final int MAX_DETAIL = 500;

    final DeviceSlots slots;
    final DdiClient ddi;
    final Installer installer;
    /** Downloads from the configured server: with the DDI token. */
    final HttpOptions downloads;
    /** Downloads from elsewhere ({@code allow-foreign-artifact-hosts}): without it. */
    final HttpOptions foreignDownloads;
    final boolean allowForeignArtifactHosts;
    final Rebooter rebooter;
    final boolean autoReboot;
    final AgentSettings settings;
    final AgentListener listener;
    final AttributeReporter attributes;
    final DurableFile journalFile;
    /** Failed polls, reports and other requests: how long to wait before the next try. */
    final Backoff requests;
    /** Interrupted installs: how long to wait before the resume. */
    final Backoff installs;

    /** Runs the next step now (the install thread calls it when the install ends). */
    volatile Runnable wake = () -> { };

    /** The action in progress, null when there is none. */
    ActionJournal journal;
    /** The server's polling sleep. */
    Duration pollSleep;
    /** When the server last answered a poll. */
    Instant lastPoll = Instant.EPOCH;
    /** The deploymentBase link the last poll offered. */
    DdiLink deploymentLink;
    /** The artifact being installed. */
    BundleArtifact artifact;
    /** May a download run now (README.md "Download policy"); set by {@link ManagedAgent#create}. */
    DownloadPolicy policy;
    /** When the download policy stopped the running install, null when it did not. */
    Instant policyStoppedAt;
    /** The running install, null when none runs (read by {@code stop()} from another thread). */
    volatile InstallRun run;
    /** Progress last sent: percent and time. */
    int sentPercent = -1;
    Instant sentProgressAt = Instant.EPOCH;
    /** The DOWNLOADED or REBOOTING feedback of the current state was sent (once per action and process). */
    boolean announced;
    /** The last waiting line printed, so each is printed once. */
    private String lastWaitingLine;

    ManagedContext(DeviceSlots slots, DdiClient ddi, Installer installer, HttpOptions downloads,
                   HttpOptions foreignDownloads, boolean allowForeignArtifactHosts, Rebooter rebooter,
                   boolean autoReboot, AgentSettings settings, AgentListener listener, AttributeReporter attributes,
                   DurableFile journalFile) {
        this.slots = slots;
        this.ddi = ddi;
        this.installer = installer;
        this.downloads = downloads;
        this.foreignDownloads = foreignDownloads;
        this.allowForeignArtifactHosts = allowForeignArtifactHosts;
        this.rebooter = rebooter;
        this.autoReboot = autoReboot;
        this.settings = settings;
        this.listener = listener;
        this.attributes = attributes;
        this.journalFile = journalFile;
        this.requests = new Backoff(settings.backoffBase(), settings.backoffMax());
        this.installs = new Backoff(settings.backoffBase(), settings.backoffMax());
        this.pollSleep = settings.defaultPollInterval();
    }

    Instant now() {
        return settings.clock().instant();
    }

    /**
     * Polls the server: learns its sleep, and sends the device's attributes when they changed or the server asks.
     */
    DdiControllerBase poll() throws DdiException {
        DdiControllerBase base = ddi.poll();
        lastPoll = now();
        pollSleep = base.sleep(settings.defaultPollInterval());
        requests.reset();
        attributes.sendIfDue(base.link(DdiControllerBase.CONFIG_DATA).isPresent());
        return base;
    }

    /** Whether the server's sleep has passed since the last poll. */
    boolean pollDue() {
        return !now().isBefore(lastPoll.plus(pollSleep));
    }

    /** The server's sleep plus up to 10 % jitter, so a fleet's polls drift apart instead of bunching up. */
    Duration pollDelay() {
        long ms = pollSleep.toMillis();
        return Duration.ofMillis(ms + ThreadLocalRandom.current().nextLong(ms / 10 + 1));
    }

    /** How often a running install is looked at: for progress, and for a cancel at the server's sleep. */
    Duration installTick() {
        return pollSleep.compareTo(settings.progressInterval()) < 0 ? pollSleep : settings.progressInterval();
    }

    /**
     * Sends an intermediate feedback; a failure is logged, not fatal (the final result is what must arrive, and
     * it has its own state).
     *
     * @return whether the server took it
     */
    boolean send(UpdateStatus status, String actionId, DdiProgress progress, String detail) {
        try {
            ddi.feedback(status, status.feedback(actionId, now(), progress, List.of(detail(detail))));
            return true;
        } catch (DdiException e) {
            LOG.log(System.Logger.Level.WARNING, "feedback {0} for action {1} not sent: {2}", status, actionId,
                    e.getMessage());
            return false;
        }
    }

    /** A line for people. */
    void out(String line) {
        listener.line(line);
    }

    /** A waiting line, printed once while it stays the same. */
    void waiting(String line) {
        if (!line.equals(lastWaitingLine)) {
            lastWaitingLine = line;
            out(line);
        }
    }

    /** Forgets what belonged to the action that ended. */
    void endAction() {
        policyStoppedAt = null;
        journal = null;
        deploymentLink = null;
        artifact = null;
        run = null;
        sentPercent = -1;
        announced = false;
        lastWaitingLine = null;
        installs.reset();
    }

    /** A detail line cut to what hawkBit keeps. */
    static String detail(String text) {
        return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL - 3) + "...";
    }
}
