package dev.tandem.errors;

/** How an error reads where only one line fits: a status line, an agent's log line, an API event. */
public final class ErrorMessages {

    private ErrorMessages() {
    }

    /** The message's first line, or the exception's type when it has no message. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
