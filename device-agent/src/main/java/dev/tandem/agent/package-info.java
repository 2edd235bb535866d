/**
 * The device agent (ARCHITECTURE.md §7): what its modes share. Managed mode is in {@code agent.managed} (a hawkBit
 * DDI client, {@code agent.ddi}), standalone mode (bundles from removable media) in {@code agent.standalone}, feed
 * mode in {@code agent.feed}, the local API in {@code agent.api}. Here: the install on its own thread
 * ({@link dev.tandem.agent.InstallRun}), the action journal and its states, boot-check's verdict, the download
 * policy. Drives the stream installer and the slot manager and owns {@code <data-dir>/agent/}; plain Java (no DI
 * container), wired by the CLI.
 */
package dev.tandem.agent;
