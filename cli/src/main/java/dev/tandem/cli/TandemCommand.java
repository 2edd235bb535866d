package dev.tandem.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
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
        exitCodeListHeading = "%nExit codes:%n",
        // The table of README's "Exit codes" (CommandHelpTest compares them) and of ExitCode.
        exitCodeList = {
                "0:success",
                "1:internal error (a bug: please report it with --verbose output), or a tandem demo whose update did not complete",
                "2:usage error: unknown option or command, bad value, an unsupported URL scheme (ftp://, file://)",
                "3:verification failed: signature, hash, malformed bundle or manifest, a file that is not a tandem bundle",
                "4:refused by policy: incompatible, downgrade, security version, target mounted or too small, a slot group that would boot beside a slot that is not good, ...",
                "5:I/O error",
                "6:configuration error (system.toml, keyring, keys)",
                "7:source or network error",
                "8:bootloader error",
                "9:busy: another tandem operation holds the lock"})
// No subcommands here: Main adds SUBCOMMANDS.
public final class TandemCommand implements Runnable {

    /**
     * The commands under {@code tandem}, by name, in the order of the help. Main adds them: all of them, or only
     * the one a command line names (picocli reads the annotations of every command it is given, and for the whole
     * tree that was a third of the CPU time of {@code tandem status}, which runs at every boot).
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
            "bundle", BundleCommand.class,
            "pki", PkiCommand.class,
            "install", InstallCommand.class,
            "activate", ActivateCommand.class,
            "status", StatusCommand.class,
            "mark-good", MarkGoodCommand.class,
            "mark-bad", MarkBadCommand.class,
            "mark-active", MarkActiveCommand.class,
            "boot-check", BootCheckCommand.class,
            "factory-reset", FactoryResetCommand.class,
            "agent", AgentCommand.class,
            "daemon", DaemonCommand.class,
            "feed", FeedCommand.class,
            "channel", ChannelCommand.class,
            "serve", ServeCommand.class,
            "web", WebCommand.class,
            "demo", DemoCommand.class,
            "help", HelpCommand.class);

    private static Map<String, Class<?>> subcommands(Object... nameThenClass) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) {
            m.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

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

    /** Version and commit from the jar manifest, and the Java runtime that runs tandem (bundled or the system's). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                    "tandem " + version(),
                    "commit " + manifestValue("Implementation-Build", "unknown"),
                    "runtime " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                            + " (" + System.getProperty("java.home") + ")"};
        }
    }

    /** This tandem's version ("dev" when run from classes). */
    public static String version() {
        String v = TandemCommand.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    private static String manifestValue(String name, String missing) {
        try {
            Path jar = Path.of(TandemCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                return missing; // run from classes (tests)
            }
            try (JarFile f = new JarFile(jar.toFile())) {
                Manifest m = f.getManifest();
                String v = m == null ? null : m.getMainAttributes().getValue(name);
                return v == null || v.isBlank() || v.startsWith("${") ? missing : v;
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return missing;
        }
    }
}
