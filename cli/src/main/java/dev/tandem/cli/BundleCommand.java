package dev.tandem.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem bundle}: make and inspect bundles. */
@Command(name = "bundle", header = "Create, inspect and verify bundles.",
        subcommands = {BundleCreateCommand.class, BundleInfoCommand.class, BundleVerifyCommand.class,
                BundleResignCommand.class, BundleExtractCommand.class, HelpCommand.class})
final class BundleCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
