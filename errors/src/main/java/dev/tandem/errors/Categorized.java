package dev.tandem.errors;

/**
 * A failure tandem names: its message is one line meant for the user, and its category decides the exit code.
 * Implemented by every exception type tandem's main code defines, checked ({@code IOException}s such as the
 * HTTP source's) or unchecked ({@link TandemException}); anything else that reaches the CLI is a bug (exit 1).
 */
public interface Categorized {

    /** Which documented exit code this failure has. */
    ExitCategory category();
}
