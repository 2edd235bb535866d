/**
 * The test rig: guest images, disk layouts, the QEMU platforms (U-Boot arm64, GRUB BIOS) with the shipped boot
 * scripts, loop devices and mounts, one-boot QEMU runs and their consoles, tandem in a child JVM (optionally with
 * the guest's view of the kernel), and power cuts between durable writes.
 */
package dev.tandem.hardware.rig;
