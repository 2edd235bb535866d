/**
 * The device agent (ARCHITECTURE.md §7): managed mode ({@link dev.tandem.agent.managed.ManagedAgent}, a hawkBit DDI client built as
 * the explicit state machine of {@link dev.tandem.agent.managed.AgentFlow}) and standalone mode
 * ({@link dev.tandem.agent.standalone.StandaloneAgent}, bundles from removable media). Drives the stream installer and the
 * slot manager and owns {@code <data-dir>/agent/}; plain Java (no DI container), wired by the CLI.
 */
package dev.tandem.agent;
