package dev.tandem.slot.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code [factory-reset]} table (CONFIG.md): the data partition that {@code tandem factory-reset} clears at the
 * next boot-check, and how.
 *
 * @param dataPartition the block device of the data partition; null: factory reset is not configured
 * @param method        {@code zero} (overwrite every byte with zeros) or {@code mkfs} (run {@code mkfs})
 * @param mkfs          the command (argv) for {@code mkfs}; the partition's path is appended
 */
public record FactoryResetConfig(Path dataPartition, String method, List<String> mkfs) {

    /** Methods the config accepts. */
    public static final List<String> METHODS = List.of("zero", "mkfs");

    public FactoryResetConfig {
        mkfs = List.copyOf(mkfs);
    }
}
