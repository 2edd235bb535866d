/**
 * The install: reads a bundle from a source, verifies every chunk against the signed manifest and writes it
 * straight into the inactive slot, reusing data already on the device, resuming after interruptions, then hands
 * the slot to the slot manager for activation. Depends on bundle-format and slot-manager.
 */
package dev.tandem.install;
