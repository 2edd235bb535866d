/**
 * Hardware tests of the whole system: real firmware and bootloaders booting the emulated device's disk under QEMU
 * (tag {@code qemu}), with tandem's CLI and adapters on the host between boots, and block-device tests on loop
 * devices (tag {@code root}). See hardware-tests/README.md.
 */
package dev.tandem.hardware;
