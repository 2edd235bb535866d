package dev.tandem.agent.managed;

import java.time.Duration;

/**
 * What one step of the managed agent reports: the event that picks the next state, and how long to wait before
 * that state's step runs.
 *
 * @param event what happened
 * @param delay the wait before the next step
 */
record Step(AgentEvent event, Duration delay) {

    /** Go on at once. */
    static Step now(AgentEvent event) {
        return new Step(event, Duration.ZERO);
    }

    /** Go on after {@code delay}. */
    static Step after(AgentEvent event, Duration delay) {
        return new Step(event, delay);
    }
}
