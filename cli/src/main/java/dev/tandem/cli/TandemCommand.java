package dev.tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem}: the top command. */
@Command(name = "tandem",
        versionProvider = TandemCommand.Version.class,
        header = "A/B system updater for embedded Linux: signed bundles streamed straight into the inactive slot.",
        subcommands = {
                BundleCommand.class,
                PkiCommand.class,
                InstallCommand.class,
                ActivateCommand.class,
                StatusCommand.class,
                MarkGoodCommand.class,
                MarkBadCommand.class,
                MarkActiveCommand.class,
                BootCheckCommand.class,
                AgentCommand.class,
                ServeCommand.class,
                DemoCommand.class,
                HelpCommand.class
        })
public final class TandemCommand implements Runnable {

    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean versionRequested;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tandem " + version()};
        }
    }

    /** This tandem's version ("dev" when run from classes). */
    public static String version() {
        String v = TandemCommand.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
