package dev.tandem.agent.managed;

/** What a step of the managed agent reports (Mender's closed event set); {@link AgentFlow} maps it to a state. */
public enum AgentEvent {
    /** The poll offered nothing. */
    NOTHING,
    /** The poll offered an update action. */
    DEPLOYMENT,
    /** The server asks to cancel an action. */
    CANCEL,
    /** The server no longer offers the action of an interrupted install: the journal is dropped. */
    ABANDONED(true),
    /** Start the install. */
    START,
    /** The installer runs. */
    STARTED,
    /** Not now: check again after a while. */
    WAIT,
    /** Installed and try-once set. */
    ACTIVATED,
    /** Installed, not activated. */
    INSTALLED,
    /** The action failed; the journal holds the reason. */
    FAILED,
    /** The action succeeded (the new slot is good, or the version already runs); the journal says so. */
    SUCCEEDED,
    /** A failure that may pass (network, server, lock): poll again after a backoff and go on. */
    RETRY,
    /** The server allows the update now. */
    WINDOW_OPEN,
    /** The server closed the action while it waited (download only): the journal is dropped. */
    GONE(true),
    /** The reboot was asked for. */
    REBOOT_REQUESTED,
    /** Still the boot in which try-once was set: reboot again. */
    NOT_REBOOTED,
    /** The install was stopped and the target marked bad. */
    CLEANED,
    /** The server has the final result: the journal is dropped. */
    REPORTED(true),
    /** The step failed unexpectedly: run it again after a backoff. */
    ERROR;

    private final boolean endsAction;

    AgentEvent() {
        this(false);
    }

    AgentEvent(boolean endsAction) {
        this.endsAction = endsAction;
    }

    /** Whether the action is over: the journal is deleted. */
    public boolean endsAction() {
        return endsAction;
    }
}
