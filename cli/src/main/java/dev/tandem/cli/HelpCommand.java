package dev.tandem.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code help [COMMAND [SUBCOMMAND...]]}: the usage help of the command the words name, at any depth below the
 * command this one is attached to ({@code tandem help bundle create}, {@code tandem bundle help create}).
 * picocli's own help command looks at the first word only.
 */
@Command(name = "help", helpCommand = true,
        header = "Show the help of a command: tandem help bundle create.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command (and subcommands) to explain.")
    List<String> path = List.of();

    private CommandLine self;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter,
                     PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String word : path) {
            CommandLine sub = target.getSubcommands().get(word);
            if (sub == null) {
                throw new UsageException("'" + target.getCommandSpec().qualifiedName() + "' has no command '"
                        + word + "' (try '" + target.getCommandSpec().qualifiedName() + " --help')");
            }
            target = sub;
        }
        target.usage(out);
        out.flush();
    }
}
