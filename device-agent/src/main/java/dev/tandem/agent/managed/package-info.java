/**
 * Managed mode (ARCHITECTURE.md §7): {@link dev.tandem.agent.managed.ManagedAgent}, a hawkBit DDI client built as
 * the explicit state machine of {@link dev.tandem.agent.managed.AgentFlow}, one step per state in
 * {@code ManagedSteps}.
 */
package dev.tandem.agent.managed;
