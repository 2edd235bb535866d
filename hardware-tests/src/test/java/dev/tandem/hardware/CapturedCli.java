package dev.tandem.hardware;

import dev.tandem.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs tandem's command line in-process, like {@link Main#run}, with its stdout and stderr captured instead of
 * going to {@code System.out}, which the hardware tests' parallel classes share. It takes
 * {@link Main#commandLine()}, the same configured command tree {@code Main.run} executes.
 */
public final class CapturedCli {

    /** What a command returned and printed. */
    public record Result(int exitCode, String out, String err) {
    }

    private CapturedCli() {
    }

    /** Runs {@code tandem args...}. */
    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
