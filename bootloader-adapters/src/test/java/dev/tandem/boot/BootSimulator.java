package dev.tandem.boot;

/** A bootloader's side of the contract, simulated in test code: what happens at power-on. */
interface BootSimulator {

    /** Runs the bootloader's selection, with the writes it makes before the kernel starts; returns the slot booted. */
    String powerOn() throws Exception;
}
