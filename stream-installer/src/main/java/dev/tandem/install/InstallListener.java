package dev.tandem.install;

/**
 * Receives an install's events. Called from the install's threads: implementations must be quick and
 * thread-safe. The CLI renders a progress bar or JSON lines; the device agent sends server feedback.
 */
public interface InstallListener {

    /** A phase starts; {@code detail} says what it works on (an image, a slot), or is empty. */
    default void phase(InstallPhase phase, String detail) {
    }

    /** Progress, at most a few times a second. */
    default void progress(InstallProgress progress) {
    }

    /** A note worth showing (a fallback to download, a resumed install). */
    default void note(String message) {
    }

    /** Ignores everything. */
    InstallListener NONE = new InstallListener() {
    };
}
