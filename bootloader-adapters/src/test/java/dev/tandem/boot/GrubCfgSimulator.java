package dev.tandem.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GRUB running contrib/grub.cfg, step for step: load_env from grubenv, else grubenv.bak when ORDER is unset;
 * pick the slot; save_env A_TRY B_TRY in place into the file it loaded (GRUB rewrites the block's own sectors,
 * it never renames). Keep in step with contrib/grub.cfg.
 */
final class GrubCfgSimulator implements BootSimulator {

    private static final List<String> SLOTS = List.of("A", "B");

    private final Path grubenv;
    private final Path backup;

    GrubCfgSimulator(Path grubenv) {
        this.grubenv = grubenv;
        this.backup = GrubEnvAdapter.backupOf(grubenv);
    }

    @Override
    public String powerOn() throws IOException {
        Map<String, String> vars = defaults();
        Path envFile = grubenv;
        Optional<GrubEnvBlock> main = load(grubenv);
        main.ifPresent(b -> vars.putAll(b.vars()));
        if (blank(vars.get("ORDER"))) {
            vars.clear();
            vars.putAll(defaults());
            envFile = backup;
            load(backup).ifPresent(b -> vars.putAll(b.vars()));
        }
        if (blank(vars.get("ORDER"))) {
            envFile = null;
            vars.put("ORDER", "A B");
        }
        List<String> order = Arrays.asList(vars.get("ORDER").trim().split("\\s+"));
        String slot = null;
        for (String s : order) {
            if (SLOTS.contains(s) && num(vars, s + "_OK") == 1 && num(vars, s + "_TRY") == 0) {
                slot = s;
                vars.put(s + "_TRY", "1");
                break;
            }
        }
        if (slot == null) {
            for (String s : SLOTS) {
                if (num(vars, s + "_OK") == 1) {
                    vars.put(s + "_TRY", "0");
                }
            }
            for (String s : order) {
                if (SLOTS.contains(s) && num(vars, s + "_OK") == 1) {
                    slot = s;
                    vars.put(s + "_TRY", "1");
                    break;
                }
            }
        }
        if (slot == null) {
            slot = order.stream().filter(SLOTS::contains).findFirst().orElse("A");
        }
        if (envFile != null) {
            saveEnv(envFile, vars);
        }
        return slot;
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        for (String s : SLOTS) {
            d.put(s + "_OK", "0");
            d.put(s + "_TRY", "0");
        }
        return d;
    }

    /** save_env A_TRY B_TRY: fails, as GRUB's does, when the file is not a valid block. */
    private static void saveEnv(Path file, Map<String, String> vars) throws IOException {
        Optional<GrubEnvBlock> current = load(file);
        if (current.isEmpty()) {
            return;
        }
        Map<String, String> updated = new LinkedHashMap<>(current.get().vars());
        for (String s : SLOTS) {
            updated.put(s + "_TRY", vars.get(s + "_TRY"));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(GrubEnvBlock.of(updated).toBytes()), 0);
        }
    }

    private static Optional<GrubEnvBlock> load(Path file) throws IOException {
        return Files.exists(file) ? GrubEnvBlock.parse(Files.readAllBytes(file)) : Optional.empty();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static long num(Map<String, String> vars, String name) {
        return ScriptNumber.parse(vars.getOrDefault(name, ""), 0);
    }
}
