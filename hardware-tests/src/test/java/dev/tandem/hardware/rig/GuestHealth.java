package dev.tandem.hardware.rig;

/**
 * How the software in a slot behaves once its kernel is up; baked into the slot's initramfs, so it travels with
 * the image (a broken update is broken in whichever slot it lands).
 */
public enum GuestHealth {
    /** Reaches the point where boot-check runs, and the health check passes. */
    HEALTHY("healthy"),
    /** Reaches boot-check, and the health check fails. */
    UNHEALTHY("unhealthy"),
    /** Powers off before boot-check could run (a crash loop, a hang the watchdog cuts short). */
    NO_BOOT_CHECK("no-boot-check"),
    /** The kernel panics; with {@code panic=-1} and QEMU's {@code -no-reboot} the VM ends at once. */
    PANIC("panic");

    private final String word;

    GuestHealth(String word) {
        this.word = word;
    }

    /** The word the guest prints and the image is named by. */
    public String word() {
        return word;
    }
}
