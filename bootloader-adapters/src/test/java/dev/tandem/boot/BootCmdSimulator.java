package dev.tandem.boot;

import dev.tandem.storage.FileBlockTarget;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * U-Boot running contrib/boot.cmd, step for step, and saving as U-Boot's saveenv does with a redundant
 * environment (the copy it did not load, with the loaded flag + 1). Keep in step with contrib/boot.cmd.
 */
final class BootCmdSimulator implements BootSimulator {

    private final FwEnvConfig config;

    BootCmdSimulator(FwEnvConfig config) {
        this.config = config;
    }

    @Override
    public String powerOn() throws Exception {
        for (int resets = 0; resets < 3; resets++) {
            List<Optional<UBootEnvCodec.Copy>> copies = new ArrayList<>();
            for (FwEnvConfig.Area area : config.areas()) {
                copies.add(UBootEnvCodec.decode(read(area), config.redundant()));
            }
            int active = config.redundant() ? UBootEnvCodec.active(copies.get(0), copies.get(1))
                    : copies.get(0).isPresent() ? 0 : -1;
            // No valid copy: U-Boot runs its built-in default environment, which has no BOOT_* variables.
            Map<String, String> vars = new LinkedHashMap<>(active < 0 ? Map.of() : copies.get(active).orElseThrow().vars());
            int flag = active < 0 ? 0 : copies.get(active).orElseThrow().flag();
            if (vars.getOrDefault("BOOT_ORDER", "").isEmpty()) {
                vars.put("BOOT_ORDER", "A B");
            }
            List<String> order = Arrays.asList(vars.get("BOOT_ORDER").trim().split("\\s+"));
            String slot = null;
            for (String s : order) {
                if (slot == null && List.of("A", "B").contains(s) && left(vars, s) > 0) {
                    vars.put("BOOT_" + s + "_LEFT", Long.toString(decrement(left(vars, s))));
                    slot = s;
                }
            }
            if (slot == null) {
                for (String s : order) {
                    if (List.of("A", "B").contains(s)) {
                        vars.put("BOOT_" + s + "_LEFT", "3");
                    }
                }
                saveenv(vars, active, flag);
                continue; // reset
            }
            vars.put("tandem_slot", slot);
            saveenv(vars, active, flag);
            return slot;
        }
        throw new AssertionError("boot.cmd reset three times without finding a slot");
    }

    /** tandem_dec: an if-chain instead of setexpr. */
    static long decrement(long n) {
        for (int k = 9; k >= 1; k--) {
            if (n > k) {
                return k;
            }
        }
        return 0;
    }

    private static long left(Map<String, String> vars, String slot) {
        return ScriptNumber.parse(vars.getOrDefault("BOOT_" + slot + "_LEFT", ""), 10);
    }

    private void saveenv(Map<String, String> vars, int active, int flag) throws Exception {
        int target = config.redundant() ? (active == 0 ? 1 : 0) : 0;
        byte[] bytes = UBootEnvCodec.encode(vars, (flag + 1) & 0xff, config.sizeBytes(), config.redundant());
        FwEnvConfig.Area area = config.areas().get(target);
        try (FileBlockTarget t = FileBlockTarget.open(area.device())) {
            t.write(ByteBuffer.wrap(bytes), area.offset());
            t.sync();
        }
    }

    private static byte[] read(FwEnvConfig.Area area) throws Exception {
        try (FileBlockTarget t = FileBlockTarget.openReadOnly(area.device())) {
            ByteBuffer b = ByteBuffer.allocate(area.sizeBytes());
            return t.read(b, area.offset()) == area.sizeBytes() ? b.array() : new byte[0];
        }
    }
}
