package dev.tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Finds the global options of the top command from any subcommand. */
final class Globals {

    private Globals() {
    }

    static GlobalOptions of(CommandSpec spec) {
        CommandLine top = spec.commandLine();
        while (top.getParent() != null) {
            top = top.getParent();
        }
        return ((TandemCommand) top.getCommand()).global;
    }
}
