package dev.tandem.cli;

import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/** Entry point of the {@code tandem} command. */
public final class Main {

    /** The options before a command name that take a value in the next word (GlobalOptions). */
    private static final Set<String> GLOBAL_WITH_VALUE = Set.of("--config", "--booted", "--progress");
    /** ... and those that take none. */
    private static final Set<String> GLOBAL_FLAGS = Set.of("--verbose");

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
        return commandLine(args).execute(args);
    }

    /** The configured command tree, every command in it (the help, the docs, tests). */
    public static CommandLine commandLine() {
        return configure(tree(TandemCommand.SUBCOMMANDS.keySet()));
    }

    /**
     * The command tree that runs ARGS: only the command they name when they name one after nothing but global
     * options ({@code --config F status}), else the whole tree (help, usage errors, the top command's own options),
     * so that every message is the one the whole tree gives. picocli reads every command it is given at start-up;
     * {@code status} and {@code boot-check} run at every boot and need only themselves.
     */
    static CommandLine commandLine(String... args) {
        String named = commandNamed(args);
        if (named == null || named.equals("help")) {
            return commandLine();
        }
        return configure(tree(Set.of(named)));
    }

    /** The name of the command ARGS run, if they start with global options and then a command's name; else null. */
    static String commandNamed(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (GLOBAL_FLAGS.contains(a)) {
                continue;
            }
            if (GLOBAL_WITH_VALUE.contains(a)) {
                i++; // its value, whatever it looks like
                continue;
            }
            int eq = a.indexOf('=');
            if (eq > 0 && GLOBAL_WITH_VALUE.contains(a.substring(0, eq))) {
                continue;
            }
            return TandemCommand.SUBCOMMANDS.containsKey(a) ? a : null;
        }
        return null;
    }

    private static CommandLine tree(Set<String> names) {
        CommandLine cli = new CommandLine(new TandemCommand());
        for (Map.Entry<String, Class<?>> e : TandemCommand.SUBCOMMANDS.entrySet()) {
            if (names.contains(e.getKey())) {
                cli.addSubcommand(e.getKey(), e.getValue());
            }
        }
        return cli;
    }

    // After the commands are added: picocli gives these settings to the commands present when they are set.
    private static CommandLine configure(CommandLine cli) {
        ErrorHandler handler = new ErrorHandler();
        cli.setExecutionExceptionHandler(handler);
        cli.setParameterExceptionHandler(handler);
        cli.setExitCodeExceptionMapper(handler);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }
}
