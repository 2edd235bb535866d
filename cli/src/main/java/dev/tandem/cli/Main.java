package dev.tandem.cli;

import picocli.CommandLine;

/** Entry point of the {@code tandem} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        startUp();
        System.exit(run(args));
    }

    /** What the process sets up before any command runs: one-line log records (LogFormat). */
    static void startUp() {
        LogFormat.install();
    }

    /** Runs one command line and returns its exit code (tests call this in-process). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    /** The configured command tree. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TandemCommand());
        ErrorHandler handler = new ErrorHandler();
        cli.setExecutionExceptionHandler(handler);
        cli.setParameterExceptionHandler(handler);
        cli.setExitCodeExceptionMapper(handler);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }
}
