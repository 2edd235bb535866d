package dev.tandem.agent;

/**
 * Receives what the agent does: one plain line per step worth telling (the CLI prints them to stdout, which
 * systemd puts in the journal) and, in managed mode, every state entered. Called from the agent's thread.
 */
public interface AgentListener {

    /** A line for people: progress and outcomes. */
    default void line(String text) {
    }

    /**
     * A state was entered; for a persisted state this is after its journal was written and before its step ran
     * (crash tests stop the process exactly here).
     */
    default void entered(AgentState state, ActionJournal journal) {
    }

    /** Ignores everything. */
    AgentListener NONE = new AgentListener() {
    };
}
