package dev.tandem.cli;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs {@code tandem} command lines in this JVM, as {@link Main#run} does, capturing what they print: picocli's
 * out and err writers and, for code that writes to them directly, {@code System.out} and {@code System.err}.
 */
final class Tandem {

    /** What one command line did. */
    record Result(int exitCode, String out, String err) {

        /** The non-empty lines of stderr. */
        List<String> errLines() {
            return Arrays.stream(err.split("\n")).filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Tandem() {
    }

    static Result run(String... args) {
        return runWithStdin(null, args);
    }

    /** Runs with {@code stdin} as standard input ({@code tandem install -}). */
    static synchronized Result runWithStdin(InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream strayOut = new ByteArrayOutputStream();
        ByteArrayOutputStream strayErr = new ByteArrayOutputStream();
        PrintStream sysOut = System.out;
        PrintStream sysErr = System.err;
        InputStream sysIn = System.in;
        int code;
        try {
            System.setOut(new PrintStream(strayOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(strayErr, true, StandardCharsets.UTF_8));
            if (stdin != null) {
                System.setIn(stdin);
            }
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(sysOut);
            System.setErr(sysErr);
            System.setIn(sysIn);
        }
        return new Result(code, out + strayOut.toString(StandardCharsets.UTF_8),
                err + strayErr.toString(StandardCharsets.UTF_8));
    }
}
