package dev.tandem.agent.managed;

import dev.tandem.agent.AgentState;
import java.util.EnumMap;
import java.util.Map;

/**
 * The managed agent as one transition table (STYLE §3, Mender's state machine), and the resume mapping from the
 * journal's persisted state to where a restarted agent goes on. A change to the flow is a change to these two
 * tables and their test ({@code AgentFlowTest}); DDI.md shows them too.
 */
public final class AgentFlow {

    /** from → (event → to). */
    static final Map<AgentState, Map<AgentEvent, AgentState>> TRANSITIONS = new EnumMap<>(AgentState.class);

    /** Persisted state → where a restarted agent resumes. */
    static final Map<AgentState, AgentState> RESUME = new EnumMap<>(AgentState.class);

    static {
        // from                  event                         to
        on(AgentState.IDLE,           AgentEvent.NOTHING,          AgentState.IDLE);
        on(AgentState.IDLE,           AgentEvent.DEPLOYMENT,       AgentState.DEPLOYMENT);
        on(AgentState.IDLE,           AgentEvent.CANCEL,           AgentState.CANCEL);
        on(AgentState.IDLE,           AgentEvent.ABANDONED,        AgentState.IDLE);
        on(AgentState.IDLE,           AgentEvent.ERROR,            AgentState.IDLE);

        on(AgentState.DEPLOYMENT,     AgentEvent.START,            AgentState.INSTALL);
        on(AgentState.DEPLOYMENT,     AgentEvent.WAIT,             AgentState.IDLE);
        on(AgentState.DEPLOYMENT,     AgentEvent.FAILED,           AgentState.REPORT);
        on(AgentState.DEPLOYMENT,     AgentEvent.ERROR,            AgentState.IDLE);

        on(AgentState.INSTALL,        AgentEvent.STARTED,          AgentState.INSTALLING);
        on(AgentState.INSTALL,        AgentEvent.ERROR,            AgentState.IDLE);

        on(AgentState.INSTALLING,     AgentEvent.WAIT,             AgentState.INSTALLING);
        on(AgentState.INSTALLING,     AgentEvent.ACTIVATED,        AgentState.REBOOT);
        on(AgentState.INSTALLING,     AgentEvent.INSTALLED,        AgentState.AWAIT_WINDOW);
        on(AgentState.INSTALLING,     AgentEvent.CANCEL,           AgentState.CANCEL);
        on(AgentState.INSTALLING,     AgentEvent.SUCCEEDED,        AgentState.REPORT);
        on(AgentState.INSTALLING,     AgentEvent.FAILED,           AgentState.REPORT);
        on(AgentState.INSTALLING,     AgentEvent.RETRY,            AgentState.IDLE);
        on(AgentState.INSTALLING,     AgentEvent.ERROR,            AgentState.INSTALLING);

        on(AgentState.AWAIT_WINDOW,   AgentEvent.WAIT,             AgentState.AWAIT_WINDOW);
        on(AgentState.AWAIT_WINDOW,   AgentEvent.WINDOW_OPEN,      AgentState.ACTIVATE);
        on(AgentState.AWAIT_WINDOW,   AgentEvent.CANCEL,           AgentState.CANCEL);
        on(AgentState.AWAIT_WINDOW,   AgentEvent.GONE,             AgentState.IDLE);
        on(AgentState.AWAIT_WINDOW,   AgentEvent.ERROR,            AgentState.AWAIT_WINDOW);

        on(AgentState.ACTIVATE,       AgentEvent.ACTIVATED,        AgentState.REBOOT);
        on(AgentState.ACTIVATE,       AgentEvent.FAILED,           AgentState.REPORT);
        on(AgentState.ACTIVATE,       AgentEvent.ERROR,            AgentState.ACTIVATE);

        on(AgentState.REBOOT,         AgentEvent.REBOOT_REQUESTED, AgentState.VERIFY_BOOT);
        on(AgentState.REBOOT,         AgentEvent.ERROR,            AgentState.VERIFY_BOOT);

        on(AgentState.VERIFY_BOOT,    AgentEvent.WAIT,             AgentState.VERIFY_BOOT);
        on(AgentState.VERIFY_BOOT,    AgentEvent.NOT_REBOOTED,     AgentState.REBOOT);
        on(AgentState.VERIFY_BOOT,    AgentEvent.SUCCEEDED,        AgentState.REPORT);
        on(AgentState.VERIFY_BOOT,    AgentEvent.FAILED,           AgentState.REPORT);
        on(AgentState.VERIFY_BOOT,    AgentEvent.ERROR,            AgentState.VERIFY_BOOT);

        on(AgentState.REPORT,         AgentEvent.REPORTED,         AgentState.IDLE);
        on(AgentState.REPORT,         AgentEvent.ERROR,            AgentState.REPORT);

        on(AgentState.CANCEL,         AgentEvent.CLEANED,          AgentState.CONFIRM_CANCEL);
        on(AgentState.CANCEL,         AgentEvent.WAIT,             AgentState.CANCEL);
        on(AgentState.CANCEL,         AgentEvent.ERROR,            AgentState.CANCEL);

        on(AgentState.CONFIRM_CANCEL, AgentEvent.REPORTED,         AgentState.IDLE);
        on(AgentState.CONFIRM_CANCEL, AgentEvent.ERROR,            AgentState.CONFIRM_CANCEL);

        // An interrupted install changed only the inactive slot, which is marked unbootable while it is written.
        // Whether to go on is the server's call: the poll finds the action still offered (then the installer's
        // journal makes the new install a resume), cancelled (clean up) or gone (drop the journal).
        RESUME.put(AgentState.INSTALL, AgentState.IDLE);
        // Installed, not active: keep waiting for the window; nothing was lost.
        RESUME.put(AgentState.AWAIT_WINDOW, AgentState.AWAIT_WINDOW);
        // Try-once was set, and the reboot may or may not have happened: VERIFY_BOOT compares boot ids and reboots
        // again when it did not.
        RESUME.put(AgentState.REBOOT, AgentState.VERIFY_BOOT);
        // Boot-check's verdict is in status.json; reading it again changes nothing.
        RESUME.put(AgentState.VERIFY_BOOT, AgentState.VERIFY_BOOT);
        // The outcome was stored before the first attempt to send it, so the same result goes out again. If the
        // first attempt did arrive, hawkBit refuses feedback to the closed action (410) and records nothing:
        // the server sees exactly one final result.
        RESUME.put(AgentState.REPORT, AgentState.REPORT);
        // Stopping the install and marking the target bad are idempotent; the confirmation follows.
        RESUME.put(AgentState.CANCEL, AgentState.CANCEL);
    }

    private AgentFlow() {
    }

    private static void on(AgentState from, AgentEvent event, AgentState to) {
        Map<AgentEvent, AgentState> row = TRANSITIONS.computeIfAbsent(from, k -> new EnumMap<>(AgentEvent.class));
        if (row.put(event, to) != null) {
            throw new IllegalStateException("two transitions from " + from + " on " + event);
        }
    }

    /**
     * The state after {@code from} reported {@code event}.
     *
     * @throws IllegalStateException when the table has no such transition (a bug in a step)
     */
    public static AgentState next(AgentState from, AgentEvent event) {
        AgentState to = TRANSITIONS.getOrDefault(from, Map.of()).get(event);
        if (to == null) {
            throw new IllegalStateException("no transition from " + from + " on " + event);
        }
        return to;
    }

    /** Where an agent that finds a journal in {@code persisted} starts. */
    public static AgentState resume(AgentState persisted) {
        AgentState to = RESUME.get(persisted);
        if (to == null) {
            throw new IllegalStateException(persisted + " is not a persisted state");
        }
        return to;
    }
}
