package dev.tandem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code tandem} in-process as {@link Main} does, capturing stdout, stderr and the exit code. Registers
 * {@code bundle resign} when the command tree does not have it yet, so these tests run before and after it is
 * wired into {@link BundleCommand}.
 */
final class CliRunner {

    /** What one command line did. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private CliRunner() {
    }

    static Result run(String... args) {
        CommandLine cli = Main.commandLine();
        CommandLine bundle = cli.getSubcommands().get("bundle");
        if (!bundle.getSubcommands().containsKey("resign")) {
            bundle.addSubcommand("resign", new BundleResignCommand());
            // Handlers reach only the subcommands present when they are set.
            ErrorHandler handler = new ErrorHandler();
            cli.setExecutionExceptionHandler(handler);
            cli.setParameterExceptionHandler(handler);
            cli.setExitCodeExceptionMapper(handler);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
