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

    /**
     * {@code text} with every control character (C0, DEL, C1) written as {@code \xNN}: a line that carries names
     * from outside (a file name on a stick, a server's message) stays one line and cannot forge others or move a
     * terminal's cursor.
     */
    public static String printable(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || c >= 0x7f && c <= 0x9f;
            if (control && b == null) {
                b = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (control) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }
}
