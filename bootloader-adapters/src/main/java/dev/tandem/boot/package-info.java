/**
 * Bootloader adapters: one class per bootloader behind {@link dev.tandem.boot.BootloaderAdapter}, each
 * speaking its bootloader's own environment format. Depends on nothing else of tandem.
 */
package dev.tandem.boot;
