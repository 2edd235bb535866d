package dev.tandem.agent;

import java.io.IOException;

/** The install was stopped on purpose (a cancel from the server, or the agent shutting down). */
public final class CanceledException extends IOException {

    public CanceledException(String message) {
        super(message);
    }
}
