package dev.tandem.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem}: the top command. */
@Command(name = "tandem",
        mixinStandardHelpOptions = true,
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
                CommandLine.HelpCommand.class
        })
public final class TandemCommand implements Runnable {

    @Mixin
    GlobalOptions global = new GlobalOptions();

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
