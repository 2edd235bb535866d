package dev.tandem.cli;

/**
 * Wraps a failure with the step it happened in, so the one-line message reads from the outer step inwards
 * ("install update.tandem: image rootfs: chunk 812: sha256 mismatch ..."). The exit code comes from the cause.
 */
final class CommandContext extends RuntimeException {

    CommandContext(String step, Throwable cause) {
        super(step, cause);
    }
}
