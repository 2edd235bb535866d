/**
 * system.toml: {@link dev.tandem.slot.config.SystemConfig} and its sections, parsed strictly (unknown keys are
 * errors, every key is in slot-manager/CONFIG.md) by a TOML reader that names the file, line and table of every
 * error.
 */
package dev.tandem.slot.config;
