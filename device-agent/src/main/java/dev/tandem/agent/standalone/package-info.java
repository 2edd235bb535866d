/**
 * Standalone mode (ARCHITECTURE.md §7): {@link dev.tandem.agent.standalone.StandaloneAgent} installs the newest
 * valid bundle it finds on removable media.
 */
package dev.tandem.agent.standalone;
