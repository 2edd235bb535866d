package dev.tandem.cli;

import dev.tandem.errors.Categorized;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The one place where failures become exit codes and stderr text (STYLE "Errors"): a single line, outer step
 * first; the stack trace only with {@code --verbose}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler,
        CommandLine.IExitCodeExceptionMapper {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parseResult) {
        PrintWriter err = cli.getErr();
        err.println("tandem: " + message(ex));
        if (verbose(cli)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return exitCode(ex).code();
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cli = ex.getCommandLine();
        PrintWriter err = cli.getErr();
        // One line like every error (ARCHITECTURE.md §8), the hint included.
        err.println("tandem: " + String.valueOf(ex.getMessage()).replace('\n', ' ').replace('\r', ' ') + " (try '"
                + cli.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCode.USAGE.code();
    }

    @Override
    public int getExitCode(Throwable exception) {
        return exitCode(exception).code();
    }

    /**
     * The exit code for a failure: one lookup of the category every tandem exception carries ({@link Categorized});
     * picocli's own usage errors, then the JDK's I/O errors, and anything else is a bug.
     */
    static ExitCode exitCode(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof Categorized c) {
            return ExitCode.of(c.category());
        }
        if (e instanceof CommandLine.ParameterException) {
            return ExitCode.USAGE;
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return ExitCode.IO;
        }
        return ExitCode.INTERNAL;
    }

    /** One line: the steps from the outside in, then the cause's own message. */
    static String message(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable e = t;
        while (e instanceof CommandContext || e instanceof CommandLine.ExecutionException) {
            // A step the cause already names ("mark-active rootfs.1: ..." from slot-manager) is not said twice.
            if (e instanceof CommandContext && !startsWithStep(e.getCause(), e.getMessage())) {
                sb.append(e.getMessage()).append(": ");
            }
            if (e.getCause() == null) {
                break;
            }
            e = e.getCause();
        }
        sb.append(describe(e));
        return sb.toString().replace('\n', ' ').replace('\r', ' ');
    }

    private static boolean startsWithStep(Throwable cause, String step) {
        Throwable c = cause instanceof UncheckedIOException && cause.getCause() != null ? cause.getCause() : cause;
        String m = c == null ? null : c.getMessage();
        return m != null && m.startsWith(step + ":");
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CommandContext || e instanceof CommandLine.ExecutionException
                || e instanceof UncheckedIOException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String describe(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return describe(u.getCause());
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "already exists: " + f.getFile();
        }
        if (e instanceof Categorized) {
            return String.valueOf(e.getMessage());
        }
        if (e instanceof IOException) {
            return "I/O error: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
        return "internal error: " + e.getClass().getName() + (e.getMessage() != null ? ": " + e.getMessage() : "")
                + " (run with --verbose for details)";
    }

    private static boolean verbose(CommandLine cli) {
        CommandLine top = cli;
        while (top.getParent() != null) {
            top = top.getParent();
        }
        Object cmd = top.getCommand();
        return cmd instanceof TandemCommand tc && tc.global.verbose;
    }
}
