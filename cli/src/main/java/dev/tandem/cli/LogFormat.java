package dev.tandem.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per log record, as journald and a terminal want it: {@code WARNING AttributeReporter: configData not
 * sent ...}. No date (journald stamps every line; JUL's default put a date line before each message), the level,
 * the logger's short name, the message and any exception's own text, newlines folded.
 */
final class LogFormat extends Formatter {

    @Override
    public String format(LogRecord r) {
        String name = r.getLoggerName() == null ? "tandem" : r.getLoggerName();
        StringBuilder sb = new StringBuilder(level(r.getLevel())).append(' ')
                .append(name.substring(name.lastIndexOf('.') + 1)).append(": ").append(formatMessage(r));
        if (r.getThrown() != null) {
            sb.append(": ").append(r.getThrown());
        }
        return sb.toString().replace('\r', ' ').replace('\n', ' ') + System.lineSeparator();
    }

    private static String level(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "WARNING";
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }

    /**
     * Replaces the root logger's console handlers by one on the current {@code System.err} with this format. Called
     * by {@link Main#main} before anything logs, so that every module's log lines (System.Logger goes to JUL) read
     * alike.
     */
    static void install() {
        Logger root = Logger.getLogger("");
        Level level = Level.INFO;
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                level = h.getLevel();
                root.removeHandler(h);
            }
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(level);
        console.setFormatter(new LogFormat());
        root.addHandler(console);
    }
}
