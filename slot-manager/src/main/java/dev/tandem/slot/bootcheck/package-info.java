/**
 * The boot-time contract (ARCHITECTURE.md §6), run by {@code tandem boot-check} on every boot:
 * {@link dev.tandem.slot.bootcheck.BootCheck} honours a pending {@link dev.tandem.slot.bootcheck.FactoryReset},
 * runs the {@link dev.tandem.slot.bootcheck.HealthCheck} and decides the booted slot's fate
 * ({@link dev.tandem.slot.bootcheck.BootCheckResult}).
 */
package dev.tandem.slot.bootcheck;
