package dev.tandem.hardware.rig;

/** The test rig itself failed (a host tool, QEMU, a loop device): not a finding about tandem. */
public final class RigException extends RuntimeException {

    public RigException(String message) {
        super(message);
    }

    public RigException(String message, Throwable cause) {
        super(message, cause);
    }
}
