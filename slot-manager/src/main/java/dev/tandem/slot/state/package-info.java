/**
 * The slots' states (ARCHITECTURE.md §5): {@link dev.tandem.slot.state.DeviceSlots} makes every transition,
 * bootloader first and {@code status.json} second, in the order that keeps a power cut between the two safe;
 * {@link dev.tandem.slot.state.StatusStore} keeps {@code status.json} ({@link dev.tandem.slot.state.DeviceStatus}).
 * Boot-check changes states only through DeviceSlots' public methods.
 */
package dev.tandem.slot.state;
