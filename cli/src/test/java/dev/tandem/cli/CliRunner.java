package dev.tandem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code tandem} in-process as {@link Main} does, capturing stdout, stderr and the exit code. Registers
 * {@code bundle resign} and {@code pki issue} when the command tree does not have them yet, so these tests run
 * before and after they are wired into {@link BundleCommand} and {@link PkiCommand}.
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
        boolean added = false;
        CommandLine bundle = cli.getSubcommands().get("bundle");
        if (!bundle.getSubcommands().containsKey("resign")) {
            bundle.addSubcommand("resign", new BundleResignCommand());
            added = true;
        }
        CommandLine pki = cli.getSubcommands().get("pki");
        if (!pki.getSubcommands().containsKey("issue")) {
            pki.addSubcommand("issue", new PkiIssueCommand());
            added = true;
        }
        if (added) {
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
