package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Log lines as the agent writes them (System.Logger, which goes to java.util.logging) come out one per line,
 * without a date, with level and the logger's short name, once {@link Main} has installed {@link LogFormat}.
 */
class LogFormatTest {

    @Test
    void aSystemLoggerRecordIsOneJournaldFriendlyLine() {
        Logger root = Logger.getLogger("");
        Handler[] before = root.getHandlers();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream sysErr = System.err;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            LogFormat.install();
            System.Logger log = System.getLogger("dev.tandem.agent.managed.AttributeReporter");
            log.log(System.Logger.Level.WARNING, "configData not sent (retried at the next poll): {0}", "HTTP 502");
            log.log(System.Logger.Level.ERROR, "cannot write the agent journal",
                    new IOException("No space left\non device"));
            for (Handler h : root.getHandlers()) {
                h.flush();
            }
        } finally {
            System.setErr(sysErr);
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : before) {
                root.addHandler(h);
            }
        }
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).containsExactly(
                "WARNING AttributeReporter: configData not sent (retried at the next poll): HTTP 502",
                "ERROR AttributeReporter: cannot write the agent journal: java.io.IOException: No space left on device");
    }

    @Test
    void mainInstallsItBeforeRunning() throws Exception {
        // A child JVM as the launcher starts it: the log line a command writes must be the one-line form.
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LogFormatTest.class.getName() + "$LoggingMain")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines().toList()).as(out).contains("WARNING LogFormatTest: from a child");
    }

    /** Runs Main's start-up, then logs as a module would. */
    static final class LoggingMain {
        public static void main(String[] args) {
            // Main.main would exit; run its start-up step and a harmless command.
            Main.startUp();
            System.getLogger("dev.tandem.cli.LogFormatTest").log(System.Logger.Level.WARNING, "from a child");
        }
    }
}
