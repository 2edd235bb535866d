package dev.tandem.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes (ARCHITECTURE.md §8 "Global"). */
public final class GlobalOptions {

    /** Default system config location. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/tandem/system.toml");

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "System config (default: /etc/tandem/system.toml).")
    Path config;

    @Option(names = "--booted", paramLabel = "SLOT", scope = ScopeType.INHERIT,
            description = "Treat SLOT (a slot name like rootfs.1 or a bootname like B) as the booted slot.")
    String booted;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    // Inherited, so that every command and subcommand answers -h and --help the same way.
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--progress", paramLabel = "MODE", scope = ScopeType.INHERIT,
            description = "Progress output: auto (a bar on a terminal), json (JSON lines on stdout) or none.")
    ProgressMode progress = ProgressMode.AUTO;

    /** How progress is shown. */
    public enum ProgressMode { AUTO, JSON, NONE }

    Path configPath() {
        return config != null ? config : DEFAULT_CONFIG;
    }
}
