package dev.tandem.agent;

import dev.tandem.agent.managed.AgentEvent;
import dev.tandem.agent.managed.AgentFlow;

/**
 * The states of the managed agent (ARCHITECTURE.md §7). Each has one step in {@code managed.ManagedSteps} that does one job and
 * reports an {@link AgentEvent}; {@link AgentFlow} says where each event leads. A persisted state writes the
 * {@link ActionJournal} on entry, before its step acts; {@link AgentFlow#resume} maps each persisted state to
 * where a restarted agent goes on.
 */
public enum AgentState {
    /** Poll the server; follow a deployment or cancel link. */
    IDLE(false),
    /** Read the offered action, pick the bundle artifact, decide whether to start now. */
    DEPLOYMENT(false),
    /** Start streaming the bundle into the inactive slot. */
    INSTALL(true),
    /** The install runs: send progress, watch for a cancel. The journal still says INSTALL. */
    INSTALLING(false),
    /** Installed without activation; wait for the server to allow the update (maintenance window). */
    AWAIT_WINDOW(true),
    /** Set try-once on the installed slot. */
    ACTIVATE(false),
    /** Reboot into the new slot. */
    REBOOT(true),
    /** After the reboot: read boot-check's verdict from the slot states. */
    VERIFY_BOOT(true),
    /** Send the final result (stored in the journal before the first attempt). */
    REPORT(true),
    /** Stop the install and mark the target slot bad. */
    CANCEL(true),
    /** Tell the server the cancel is done. */
    CONFIRM_CANCEL(false);

    private final boolean persisted;

    AgentState(boolean persisted) {
        this.persisted = persisted;
    }

    /** Whether entering this state writes the journal. */
    public boolean persisted() {
        return persisted;
    }
}
