/**
 * The device agent: managed mode against an Eclipse hawkBit DDI server and standalone mode for bundles on
 * removable media. Drives the stream installer and the slot manager; the CLI wires it.
 */
package dev.tandem.agent;
