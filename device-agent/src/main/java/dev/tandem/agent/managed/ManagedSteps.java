package dev.tandem.agent.managed;

import static dev.tandem.agent.ByteSizes.human;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.BootVerdict;
import dev.tandem.agent.DownloadPolicy;
import dev.tandem.agent.InstallFailure;
import dev.tandem.agent.InstallRun;
import dev.tandem.agent.ddi.DdiCancel;
import dev.tandem.agent.ddi.DdiControllerBase;
import dev.tandem.agent.ddi.DdiDeploymentBase;
import dev.tandem.agent.ddi.DdiException;
import dev.tandem.agent.ddi.DdiHandlingType;
import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.agent.ddi.DdiLink;
import dev.tandem.agent.ddi.DdiProgress;
import dev.tandem.agent.ddi.UpdateStatus;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The steps of the managed agent, one method per {@link AgentState}. Each does one job and returns a
 * {@link Step}; none calls another state's step: {@link AgentFlow} decides what comes next. Steps that must not
 * lose their decision (the final result, the activation's boot id) write it into {@code c.journal}, which the
 * engine persists on entry to the next persisted state.
 */
final class ManagedSteps {

    private ManagedSteps() {
    }

    static Step run(AgentState state, ManagedContext c) throws IOException {
        return switch (state) {
            case IDLE -> idle(c);
            case DEPLOYMENT -> deployment(c);
            case INSTALL -> install(c);
            case INSTALLING -> installing(c);
            case AWAIT_WINDOW -> awaitWindow(c);
            case ACTIVATE -> activate(c);
            case REBOOT -> reboot(c);
            case VERIFY_BOOT -> verifyBoot(c);
            case REPORT -> report(c);
            case CANCEL -> cancel(c);
            case CONFIRM_CANCEL -> confirmCancel(c);
        };
    }

    /**
     * Polls. With a journal (an install interrupted by a crash or a drop), the server decides: the same action
     * offered again resumes, a cancel cleans up, anything else drops the journal. Without one, a cancel comes
     * before a deployment (hawkBit offers one or the other for an action).
     */
    static Step idle(ManagedContext c) throws DdiException {
        DdiControllerBase base = c.poll();
        Optional<DdiLink> deployment = base.link(DdiControllerBase.DEPLOYMENT_BASE);
        Optional<DdiLink> cancel = base.link(DdiControllerBase.CANCEL_ACTION);
        ActionJournal j = c.journal;
        if (j != null) {
            if (cancel.filter(l -> l.actionId().equals(j.actionId())).isPresent()) {
                return toCancel(c, cancel.get());
            }
            if (deployment.filter(l -> l.actionId().equals(j.actionId())).isPresent()) {
                c.deploymentLink = deployment.get();
                return Step.now(AgentEvent.DEPLOYMENT);
            }
            c.out("action " + j.actionId() + ": no longer offered by the server; its interrupted install is dropped");
            return Step.now(AgentEvent.ABANDONED);
        }
        if (cancel.isPresent()) {
            return toCancel(c, cancel.get());
        }
        if (deployment.isPresent()) {
            c.deploymentLink = deployment.get();
            return Step.now(AgentEvent.DEPLOYMENT);
        }
        return Step.after(AgentEvent.NOTHING, c.pollDelay());
    }

    /**
     * Reads the action and decides: fail at once when it holds no single tandem bundle; wait while the server says
     * {@code download: skip} or while the booted slot is not yet good (ARCHITECTURE.md §7: deployments only after
     * boot-check has decided); otherwise start, counting the attempt.
     */
    static Step deployment(ManagedContext c) throws DdiException {
        DdiDeploymentBase d;
        try {
            d = c.ddi.deploymentBase(c.deploymentLink);
        } catch (DdiException e) {
            if (e.kind() == DdiException.Kind.NOT_FOUND || e.kind() == DdiException.Kind.GONE) {
                // Cancelled or closed between the poll and now: the next poll tells which.
                return Step.now(AgentEvent.WAIT);
            }
            if (e.kind() == DdiException.Kind.REFUSED && DdiJson.isId(c.deploymentLink.actionId())) {
                // A deploymentBase link off the server: not followed; the action fails, so it is not offered again.
                c.journal = ActionJournal.start(c.deploymentLink.actionId()).reporting(UpdateStatus.FAILURE,
                        e.getMessage());
                c.out("action " + c.journal.actionId() + ": " + e.getMessage());
                return Step.now(AgentEvent.FAILED);
            }
            throw e;
        }
        ActionJournal j = c.journal != null && c.journal.actionId().equals(d.id()) ? c.journal
                : ActionJournal.start(d.id());
        Optional<BundleArtifact> artifact = BundleArtifact.choose(d.deployment(), c.ddi.server(),
                c.allowForeignArtifactHosts);
        if (artifact.isEmpty()) {
            c.journal = j.reporting(UpdateStatus.FAILURE, BundleArtifact.whyNone(d.deployment(), c.ddi.server()));
            c.out("action " + d.id() + ": " + c.journal.reason());
            return Step.now(AgentEvent.FAILED);
        }
        BundleArtifact a = artifact.get();
        if (d.deployment().download() == DdiHandlingType.SKIP) {
            c.waiting("action " + d.id() + ": the server says download: skip; waiting");
            return Step.after(AgentEvent.WAIT, c.pollDelay());
        }
        SlotStatus booted = c.slots.current().slot(c.slots.booted().name());
        if (booted.state() != SlotState.GOOD) {
            c.waiting("action " + d.id() + ": waiting: the booted slot " + c.slots.booted().name() + " is "
                    + booted.state().jsonName() + "; deployments start only on a good slot (after boot-check)");
            return Step.after(AgentEvent.WAIT, c.settings.statusInterval());
        }
        DownloadPolicy.Verdict may = c.policy.check();
        if (!may.allowed()) {
            c.waiting("action " + d.id() + ": download waits: " + may.describe());
            return Step.after(AgentEvent.WAIT, c.pollDelay());
        }
        j = j.installing(a.filename(), d.deployment().update() == DdiHandlingType.SKIP);
        if (j.attempts() > c.settings.maxInstallAttempts()) {
            c.journal = j.reporting(UpdateStatus.FAILURE, "gave up installing " + a.filename() + " after "
                    + (j.attempts() - 1) + " attempts");
            c.out("action " + d.id() + ": " + c.journal.reason());
            return Step.now(AgentEvent.FAILED);
        }
        c.journal = j;
        c.artifact = a;
        return Step.now(AgentEvent.START);
    }

    /** Starts streaming the bundle into the inactive slot on the install thread. */
    static Step install(ManagedContext c) {
        ActionJournal j = c.journal;
        BundleArtifact a = c.artifact;
        String how = j.noActivate() ? " without activating it (the server says update: skip)" : "";
        c.out("action " + j.actionId() + ": installing " + a.filename() + " (" + human(a.size()) + ")" + how
                + (j.attempts() > 1 ? ", attempt " + j.attempts() : ""));
        c.send(UpdateStatus.DOWNLOADING, j.actionId(), new DdiProgress(0, 100), "streaming " + a.filename()
                + " into the inactive slot" + how + (j.attempts() > 1 ? " (attempt " + j.attempts() + ")" : ""));
        InstallOptions options = new InstallOptions(false, false, false, false, j.noActivate());
        c.sentPercent = 0;
        c.sentProgressAt = c.now();
        c.lastPoll = c.now();
        // The token (a configured header) goes only with a download from the server itself.
        HttpOptions http = a.onServer() ? c.downloads : c.foreignDownloads;
        c.run = InstallRun.start(c.installer, () -> HttpSource.open(a.url(), http), options, c.wake);
        return Step.after(AgentEvent.STARTED, c.installTick());
    }

    /** Watches the running install: progress feedback, a cancel at each poll, and its end. */
    static Step installing(ManagedContext c) {
        InstallRun run = c.run;
        if (run == null) {
            // Not after a restart (INSTALL resumes at IDLE); only if a step was skipped. Re-validate and resume.
            return Step.now(AgentEvent.RETRY);
        }
        if (run.isDone()) {
            return installEnded(c, run);
        }
        sendProgress(c, run);
        stopIfPolicySaysNo(c, run);
        if (c.pollDue()) {
            try {
                Optional<DdiLink> cancel = c.poll().link(DdiControllerBase.CANCEL_ACTION)
                        .filter(l -> l.actionId().equals(c.journal.actionId()));
                if (cancel.isPresent()) {
                    c.out("action " + c.journal.actionId() + ": the server cancels it; stopping the install");
                    return toCancel(c, cancel.get());
                }
            } catch (DdiException e) {
                // The download has its own retries; a missed poll only delays seeing a cancel.
                c.lastPoll = c.now();
            }
        }
        return Step.after(AgentEvent.WAIT, c.installTick());
    }

    private static Step installEnded(ManagedContext c, InstallRun run) {
        c.run = null;
        boolean stoppedByPolicy = c.policyStoppedAt != null;
        c.policyStoppedAt = null;
        ActionJournal j = c.journal;
        InstallResult r;
        try {
            r = run.result();
        } catch (Throwable t) {
            if (stoppedByPolicy) {
                c.journal = j.notAnAttempt();
                c.out("action " + j.actionId() + ": download stopped; it resumes where it stopped when the download"
                        + " policy allows");
                return Step.after(AgentEvent.RETRY, c.pollDelay());
            }
            InstallFailure f = InstallFailure.of(t);
            switch (f.kind()) {
                case TRANSIENT -> {
                    Duration wait = c.installs.next();
                    c.out("action " + j.actionId() + ": install interrupted (" + f.reason() + "); resuming in "
                            + wait.toSeconds() + " s");
                    return Step.after(AgentEvent.RETRY, wait);
                }
                case ALREADY_RUNNING -> {
                    c.journal = j.reporting(UpdateStatus.SUCCESS, "already installed: " + f.reason());
                    c.out("action " + j.actionId() + ": " + c.journal.reason());
                    return Step.now(AgentEvent.SUCCEEDED);
                }
                default -> {
                    c.journal = j.reporting(UpdateStatus.FAILURE, "install of " + j.artifact() + " failed: "
                            + f.reason());
                    c.out("action " + j.actionId() + ": " + c.journal.reason());
                    return Step.now(AgentEvent.FAILED);
                }
            }
        }
        c.installs.reset();
        Slot target = c.slots.targetGroup().get(0);
        c.journal = j.installed(target.name(), r.bundleId(), r.version());
        c.out(String.format("action %s: installed %s into %s in %.1f s (downloaded %s, reused %s)%s", j.actionId(),
                r.version(), target.name(), r.elapsed().toMillis() / 1000.0, human(r.downloaded()), human(r.reused()),
                r.resumed() ? ", resumed" : ""));
        if (r.activated()) {
            c.journal = c.journal.activated(c.slots.bootId());
            return Step.now(AgentEvent.ACTIVATED);
        }
        return Step.now(AgentEvent.INSTALLED);
    }

    /**
     * Stops a download the policy no longer allows (paused, a window closed, the link became metered): a cancel at
     * the install's next read, an interrupt if it does not stop within the cancel wait. The installer keeps its
     * journal, so the next install of the action resumes. Once the stream is written nothing is downloaded any
     * more, and the install is left to finish.
     */
    private static void stopIfPolicySaysNo(ManagedContext c, InstallRun run) {
        if (c.policyStoppedAt != null) {
            if (c.now().isAfter(c.policyStoppedAt.plus(c.settings.cancelWait()))) {
                run.interrupt();
            }
            return;
        }
        InstallPhase phase = run.phase();
        if (phase != null && phase.compareTo(InstallPhase.STREAM) > 0) {
            return;
        }
        DownloadPolicy.Verdict may = c.policy.check();
        if (!may.allowed()) {
            c.out("action " + c.journal.actionId() + ": stopping the download: " + may.describe());
            c.policyStoppedAt = c.now();
            run.cancel();
        }
    }

    private static void sendProgress(ManagedContext c, InstallRun run) {
        InstallProgress p = run.progress();
        if (p == null) {
            return;
        }
        int percent = Math.min(100, Math.max(0, p.percent()));
        if (percent == c.sentPercent || c.now().isBefore(c.sentProgressAt.plus(c.settings.progressInterval()))) {
            return;
        }
        c.sentPercent = percent;
        c.sentProgressAt = c.now();
        String line = c.journal.artifact() + ": " + percent + " % of " + human(p.imageBytesTotal())
                + " written (downloaded " + human(p.bytesDownloaded()) + ", reused " + human(p.bytesReused()) + ")";
        c.out("action " + c.journal.actionId() + ": " + line);
        c.send(UpdateStatus.DOWNLOADING, c.journal.actionId(), new DdiProgress(percent, 100), line);
    }

    /**
     * Installed without activation. Tells the server (a download-only action ends there), then polls until the
     * server lets the update happen (the maintenance window opens), cancels, or closes the action.
     */
    static Step awaitWindow(ManagedContext c) throws DdiException {
        ActionJournal j = c.journal;
        if (!c.announced) {
            c.announced = c.send(UpdateStatus.DOWNLOADED, j.actionId(), null, "installed " + j.version() + " into "
                    + j.targetSlot() + ", not activated: waiting for the server to allow the update");
        }
        DdiControllerBase base = c.poll();
        Optional<DdiLink> cancel = base.link(DdiControllerBase.CANCEL_ACTION)
                .filter(l -> l.actionId().equals(j.actionId()));
        if (cancel.isPresent()) {
            return toCancel(c, cancel.get());
        }
        Optional<DdiLink> deployment = base.link(DdiControllerBase.DEPLOYMENT_BASE)
                .filter(l -> l.actionId().equals(j.actionId()));
        DdiDeploymentBase d = null;
        if (deployment.isPresent()) {
            try {
                d = c.ddi.deploymentBase(deployment.get());
            } catch (DdiException e) {
                if (e.kind() != DdiException.Kind.NOT_FOUND && e.kind() != DdiException.Kind.GONE) {
                    throw e;
                }
            }
        }
        if (d == null) {
            c.out("action " + j.actionId() + ": closed by the server (download only); " + j.version()
                    + " stays installed in " + j.targetSlot() + " (`tandem activate` boots it)");
            return Step.now(AgentEvent.GONE);
        }
        if (d.deployment().update() != DdiHandlingType.SKIP) {
            c.out("action " + j.actionId() + ": the server allows the update now; activating " + j.targetSlot());
            return Step.now(AgentEvent.WINDOW_OPEN);
        }
        c.waiting("action " + j.actionId() + ": installed, waiting for the maintenance window");
        return Step.after(AgentEvent.WAIT, c.pollDelay());
    }

    /** Sets try-once on the installed slot (idempotent: a slot already pending with the bundle is left so). */
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    static Step activate(ManagedContext c) {
        ActionJournal j = c.journal;
        try (DataDirLock lock = DataDirLock.acquire(c.slots.config().dataDir(), "agent: activate")) {
            Slot target = c.slots.select(j.targetSlot());
            SlotStatus st = c.slots.current().slot(target.name());
            boolean ours = j.bundleId() != null && j.bundleId().equals(st.bundleId());
            if (ours && st.state() == SlotState.INSTALLED) {
                c.slots.activate(c.slots.group(target));
            } else if (!ours || st.state() != SlotState.PENDING) {
                c.journal = j.reporting(UpdateStatus.FAILURE, "cannot activate " + target.name() + ": it is "
                        + st.state().jsonName() + (ours ? "" : " and no longer holds the installed bundle"));
                c.out("action " + j.actionId() + ": " + c.journal.reason());
                return Step.now(AgentEvent.FAILED);
            }
        }
        c.journal = c.journal.activated(c.slots.bootId());
        return Step.now(AgentEvent.ACTIVATED);
    }

    /** Tells the server, then reboots (or, with {@code auto-reboot = false}, waits for someone to). */
    static Step reboot(ManagedContext c) {
        ActionJournal j = c.journal;
        String into = j.targetSlot() + " (version " + j.version() + ")";
        if (!c.announced) {
            c.announced = c.send(UpdateStatus.REBOOTING, j.actionId(), null, "try-once set on " + into + "; "
                    + (c.autoReboot ? "rebooting" : "waiting for a reboot (auto-reboot = false)"));
        }
        if (!c.autoReboot) {
            c.waiting("action " + j.actionId() + ": installed " + into + "; reboot to try it (auto-reboot = false)");
            return Step.after(AgentEvent.REBOOT_REQUESTED, c.settings.statusInterval());
        }
        c.out("action " + j.actionId() + ": rebooting into " + into);
        try {
            c.rebooter.reboot();
        } catch (IOException e) {
            c.out("action " + j.actionId() + ": " + e.getMessage() + "; trying again in "
                    + c.settings.rebootWait().toSeconds() + " s");
        }
        return Step.after(AgentEvent.REBOOT_REQUESTED, c.settings.rebootWait());
    }

    /** Reads boot-check's verdict on the new slot from the slot states. */
    static Step verifyBoot(ManagedContext c) {
        ActionJournal j = c.journal;
        BootVerdict v = BootVerdict.of(j, c.slots.booted().name(), c.slots.bootId(), c.slots.current());
        switch (v.kind()) {
            case NOT_REBOOTED -> {
                if (!c.autoReboot) {
                    c.waiting("action " + j.actionId() + ": " + v.reason());
                    return Step.after(AgentEvent.WAIT, c.settings.statusInterval());
                }
                c.out("action " + j.actionId() + ": " + v.reason() + "; rebooting again");
                return Step.now(AgentEvent.NOT_REBOOTED);
            }
            case UNDECIDED -> {
                c.waiting("action " + j.actionId() + ": " + v.reason());
                return Step.after(AgentEvent.WAIT, c.settings.statusInterval());
            }
            case SUCCESS -> {
                c.journal = j.reporting(UpdateStatus.SUCCESS, v.reason());
                return Step.now(AgentEvent.SUCCEEDED);
            }
            default -> {
                c.journal = j.reporting(UpdateStatus.FAILURE, v.reason());
                return Step.now(AgentEvent.FAILED);
            }
        }
    }

    /**
     * Sends the final result stored in the journal. An action the server already closed (410, or 404) is done:
     * that is the answer to a resend after a crash between sending and forgetting.
     */
    static Step report(ManagedContext c) throws DdiException {
        ActionJournal j = c.journal;
        UpdateStatus outcome = j.outcome();
        try {
            c.ddi.feedback(outcome, outcome.feedback(j.actionId(), c.now(), null,
                    List.of(ManagedContext.detail(j.reason()))));
        } catch (DdiException e) {
            if (e.kind() == DdiException.Kind.GONE || e.kind() == DdiException.Kind.NOT_FOUND) {
                c.out("action " + j.actionId() + ": already closed on the server (HTTP " + e.status()
                        + "); its result is not sent again");
                return Step.now(AgentEvent.REPORTED);
            }
            throw e;
        }
        c.out("action " + j.actionId() + ": reported " + outcome.name().toLowerCase() + ": " + j.reason());
        return Step.now(AgentEvent.REPORTED);
    }

    /**
     * Stops the install (at its next read; interrupted if it does not stop within the cancel wait) and marks the
     * target slot bad if this action may have written it. Both are idempotent, so a restart repeats them.
     */
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    static Step cancel(ManagedContext c) {
        ActionJournal j = c.journal;
        InstallRun run = c.run;
        if (run != null && !run.isDone()) {
            run.cancel();
            if (!run.awaitDone(c.settings.cancelWait())) {
                run.interrupt();
                return Step.after(AgentEvent.WAIT, Duration.ofSeconds(1));
            }
        }
        c.run = null;
        c.policyStoppedAt = null;
        if (j.mayHaveWritten()) {
            try (DataDirLock lock = DataDirLock.acquire(c.slots.config().dataDir(), "agent: cancel")) {
                Slot target = j.targetSlot() != null ? c.slots.select(j.targetSlot()) : c.slots.targetGroup().get(0);
                SlotState s = c.slots.current().slot(target.name()).state();
                if (s == SlotState.WRITING || s == SlotState.INSTALLED || s == SlotState.PENDING) {
                    c.slots.markBad(target, "canceled by the server (action " + j.actionId() + ")");
                }
            }
        }
        return Step.now(AgentEvent.CLEANED);
    }

    /** Tells the server the cancel is done. */
    static Step confirmCancel(ManagedContext c) throws DdiException {
        ActionJournal j = c.journal;
        String detail = j.mayHaveWritten() ? "install of " + j.artifact() + " stopped; the target slot is marked bad"
                : "nothing was installed for this action";
        try {
            c.ddi.feedback(UpdateStatus.CANCELED, UpdateStatus.CANCELED.feedback(j.actionId(), c.now(), null,
                    List.of(detail)));
        } catch (DdiException e) {
            if (e.kind() != DdiException.Kind.GONE && e.kind() != DdiException.Kind.NOT_FOUND) {
                throw e;
            }
        }
        c.out("action " + j.actionId() + ": canceled; " + detail);
        return Step.now(AgentEvent.REPORTED);
    }

    /**
     * Reads the cancel request (hawkBit records that the device retrieved it) and takes it on: the journal of the
     * action it stops, so that the cleanup knows what was written, or a fresh one for an action this agent never
     * started.
     */
    private static Step toCancel(ManagedContext c, DdiLink link) throws DdiException {
        DdiCancel cancel = c.ddi.cancelAction(link);
        String stop = cancel.cancelAction().stopId();
        c.journal = c.journal != null && c.journal.actionId().equals(stop) && stop.equals(cancel.id()) ? c.journal
                : ActionJournal.start(cancel.id());
        return Step.now(AgentEvent.CANCEL);
    }
}
