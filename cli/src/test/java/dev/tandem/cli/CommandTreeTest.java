package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@link Main#commandLine(String...)}: a command line that names a command after global options gets a tree of that
 * command alone (start-up of {@code status} and {@code boot-check}, which run at every boot), everything else the
 * whole tree, and either way the same output, messages and exit codes.
 */
class CommandTreeTest {

    static List<String> commands(CommandLine cli) {
        return new ArrayList<>(cli.getSubcommands().keySet());
    }

    @Test
    void aNamedCommandAfterGlobalOptionsGetsATreeOfItselfAlone() {
        assertThat(commands(Main.commandLine("status"))).containsExactly("status");
        assertThat(commands(Main.commandLine("--config", "/etc/x.toml", "--booted", "B", "boot-check")))
                .containsExactly("boot-check");
        assertThat(commands(Main.commandLine("--config=status", "--verbose", "--progress=json", "status", "--json")))
                .containsExactly("status");
        assertThat(commands(Main.commandLine("--progress", "none", "bundle", "create", "--help")))
                .containsExactly("bundle");
        // A command's own words and options come after its name and are its business.
        assertThat(commands(Main.commandLine("status", "--bogus", "help"))).containsExactly("status");
    }

    @Test
    void anythingElseGetsTheWholeTree() {
        List<String> all = List.copyOf(TandemCommand.SUBCOMMANDS.keySet());
        for (String[] args : new String[][] {{}, {"help", "status"}, {"-h", "status"}, {"--help"}, {"-V"},
                {"--bogus", "status"}, {"--config"}, {"--config", "status"}, {"nosuch"}, {"Status"},
                {"--config", "x.toml", "--bogus=1", "status"}}) {
            assertThat(commands(Main.commandLine(args))).as(String.join(" ", args)).isEqualTo(all);
        }
    }

    @Test
    void theNamesAreTheCommandsOwnInTheOrderOfTheHelp() {
        CommandLine whole = Main.commandLine();
        List<String> annotated = new ArrayList<>();
        whole.getSubcommands().values().forEach(c -> annotated.add(c.getCommandName()));
        assertThat(annotated).isEqualTo(List.copyOf(TandemCommand.SUBCOMMANDS.keySet()));
        assertThat(whole.getUsageMessage()).contains("status", "boot-check", "agent", "help");
    }

    @Test
    void aTreeOfOneCommandAnswersAsTheWholeTreeDoes() {
        for (String[] args : new String[][] {{"status", "--bogus"}, {"status", "--help"}, {"boot-check", "extra"},
                {"--config", "/nonexistent/system.toml", "status"}, {"--config=/nonexistent/system.toml", "boot-check"},
                {"--progress", "sideways", "status"}, {"bundle", "create", "--help"}, {"mark-good", "-h"}}) {
            assertThat(run(Main.commandLine(args), args)).as(String.join(" ", args))
                    .isEqualTo(run(Main.commandLine(), args));
        }
    }

    private static String run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
