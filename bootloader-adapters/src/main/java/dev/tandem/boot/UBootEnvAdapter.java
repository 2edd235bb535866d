package dev.tandem.boot;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * U-Boot with RAUC-compatible variables, read and written natively in the areas {@code fw_env.config} names:
 * {@code BOOT_ORDER} (bootnames, tried left to right) and {@code BOOT_<x>_LEFT} (boots left). {@code
 * contrib/boot.cmd} boots the first slot in {@code BOOT_ORDER} with boots left and saves the decremented count
 * before the kernel starts. A slot is bootable when it is in {@code BOOT_ORDER} and has boots left; {@link
 * #markBad} also takes it out of {@code BOOT_ORDER}, so the script's "no slot left: reset the counters" rescue
 * never revives a bad slot.
 *
 * <p>Crash safety (ARCHITECTURE.md §6): with two copies, a write goes only to the inactive copy, with the active copy's
 * flag + 1, padded with zeros to the configured size and synced; the active copy is never touched, so a cut
 * write leaves the old environment in force. A single copy is rewritten in place, as U-Boot's own saveenv
 * does, and is not power-cut safe: configure two copies. Variables tandem does not know are kept. When no copy
 * has a valid CRC the adapter refuses to write, because U-Boot is then running its built-in default
 * environment and a fresh one could only guess; the refusal names the fw_setenv command that writes one
 * ({@link #initEnv} does the same from code).
 *
 * <p>Only areas in regular files and block devices are supported (eMMC, SD, raw disk areas); NOR/NAND MTD
 * devices need erase handling and are refused. eMMC boot partitions are made writable through their {@code
 * force_ro} switch for the write and protected again afterwards.
 */
public final class UBootEnvAdapter extends ArmedOrderAdapter {

    static final String ORDER = "BOOT_ORDER";
    static final String FLOOR = "TANDEM_SECURITY_FLOOR";

    private static final Pattern EMMC_BOOT = Pattern.compile("mmcblk[0-9]+boot[0-9]+");

    /** Opens the device that holds an environment copy. */
    @FunctionalInterface
    public interface AreaOpener {
        BlockTarget open(Path device, boolean writable) throws IOException;
    }

    /** What was read: each copy (empty when its CRC fails) and which one U-Boot uses (-1: none). */
    record Loaded(List<Optional<UBootEnvCodec.Copy>> copies, int active) {
        Map<String, String> vars() {
            return active < 0 ? Map.of() : copies.get(active).orElseThrow().vars();
        }
    }

    private final FwEnvConfig config;
    private final AreaOpener opener;
    private final List<String> bootnames;
    private final int attempts;
    private final Path sysClassBlock;

    /**
     * @param config       the environment copies
     * @param opener       opens their devices; power-cut tests wrap the targets it returns
     * @param bootnames    the slots' bootnames in config order
     * @param bootAttempts boots granted by try-once and re-arm
     */
    public UBootEnvAdapter(FwEnvConfig config, AreaOpener opener, List<String> bootnames, int bootAttempts) {
        this(config, opener, bootnames, bootAttempts, Path.of("/sys/class/block"));
    }

    UBootEnvAdapter(FwEnvConfig config, AreaOpener opener, List<String> bootnames, int bootAttempts,
            Path sysClassBlock) {
        if (bootnames.size() < 2) {
            throw new BootloaderException("uboot: needs at least two slots, got " + bootnames);
        }
        for (String b : bootnames) {
            if (b.isEmpty() || b.chars().anyMatch(c -> Character.isWhitespace(c) || c == '=')) {
                throw new BootloaderException("uboot: bootname '" + b + "' cannot be listed in BOOT_ORDER");
            }
        }
        for (FwEnvConfig.Area area : config.areas()) {
            String file = area.device().getFileName() == null ? "" : area.device().getFileName().toString();
            if (file.startsWith("mtd") || file.startsWith("ubi")) {
                throw new BootloaderException("uboot: " + area.device() + ": MTD/UBI environments are not supported"
                        + " (they need erase handling); use an eMMC, SD or raw disk area");
            }
        }
        this.config = config;
        this.opener = opener;
        this.bootnames = List.copyOf(bootnames);
        this.attempts = bootAttempts;
        this.sysClassBlock = sysClassBlock;
    }

    /** Reads {@code fw-env-config} (default /etc/fw_env.config) and opens the areas as files or block devices. */
    public UBootEnvAdapter(BootloaderOptions options) {
        this(FwEnvConfig.read(options.fwEnvConfig() == null ? FwEnvConfig.DEFAULT_PATH : options.fwEnvConfig()),
                (device, writable) -> writable ? FileBlockTarget.open(device) : FileBlockTarget.openReadOnly(device),
                options.bootnames(), options.bootAttempts());
    }

    @Override
    public String name() {
        return "uboot";
    }

    /** All variables of the copy U-Boot uses; empty when no copy is valid. */
    public Map<String, String> variables() {
        return load().vars();
    }

    @Override
    public Optional<String> primary() {
        Map<String, String> vars = requireValid(load());
        return order(vars).stream().filter(b -> left(vars, b) > 0).findFirst();
    }

    @Override
    public BootSlotState state(String bootname) {
        requireKnown(bootname);
        Map<String, String> vars = requireValid(load());
        boolean bootable = order(vars).contains(bootname) && left(vars, bootname) > 0;
        return new BootSlotState(bootname, bootable, bootable ? (int) Math.min(left(vars, bootname), Integer.MAX_VALUE) : 0);
    }

    @Override
    public void markBad(String bootname) {
        requireKnown(bootname);
        Loaded loaded = load();
        Map<String, String> vars = new LinkedHashMap<>(requireValid(loaded));
        List<String> order = new ArrayList<>(orderTokens(vars));
        order.removeIf(bootname::equals);
        vars.put(ORDER, String.join(" ", order));
        vars.put(leftName(bootname), "0");
        store(loaded, vars);
    }

    @Override
    public void rearm(String bootname) {
        requireKnown(bootname);
        Loaded loaded = load();
        Map<String, String> vars = new LinkedHashMap<>(requireValid(loaded));
        vars.put(leftName(bootname), Integer.toString(attempts));
        store(loaded, vars);
    }

    @Override
    public OptionalLong securityFloor() {
        String v = requireValid(load()).get(FLOOR);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void raiseSecurityFloor(long floor) {
        OptionalLong current = securityFloor();
        if (current.isPresent() && current.getAsLong() >= floor) {
            return;
        }
        Loaded loaded = load();
        Map<String, String> vars = new LinkedHashMap<>(requireValid(loaded));
        vars.put(FLOOR, Long.toString(floor));
        store(loaded, vars);
    }

    /**
     * When no copy is valid, writes a fresh environment in which {@code primary} is first
     * in {@code BOOT_ORDER} with {@code boot-attempts} boots and the other slots have none (nothing is known
     * about them). Does nothing when a valid copy exists, so it never discards variables.
     *
     * @return whether an environment was written
     */
    public boolean initEnv(String primary) {
        requireKnown(primary);
        Loaded loaded = load();
        if (loaded.active() >= 0) {
            return false;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        order.add(primary);
        bootnames.stream().filter(b -> !b.equals(primary)).forEach(order::add);
        vars.put(ORDER, String.join(" ", order));
        for (String b : bootnames) {
            vars.put(leftName(b), b.equals(primary) ? Integer.toString(attempts) : "0");
        }
        // Copy 0 first with flag 0, then copy 1 with flag 1: after either write one valid copy exists.
        for (int i = 0; i < config.areas().size(); i++) {
            writeCopy(i, UBootEnvCodec.encode(vars, i, config.sizeBytes(), config.redundant()));
        }
        return true;
    }

    @Override
    void makePrimaryAndArm(String bootname) {
        requireKnown(bootname);
        Loaded loaded = load();
        Map<String, String> vars = new LinkedHashMap<>(requireValid(loaded));
        List<String> order = new ArrayList<>();
        order.add(bootname);
        for (String b : orderTokens(vars)) {
            if (!order.contains(b)) {
                order.add(b);
            }
        }
        vars.put(ORDER, String.join(" ", order));
        vars.put(leftName(bootname), Integer.toString(attempts));
        store(loaded, vars);
    }

    private void store(Loaded loaded, Map<String, String> vars) {
        if (vars.equals(loaded.vars())) {
            return; // nothing changed: no write (flash wears out)
        }
        if (!config.redundant()) {
            writeCopy(0, UBootEnvCodec.encode(vars, 0, config.sizeBytes(), false));
            return;
        }
        int active = loaded.active();
        int target = 1 - active;
        int flag = (loaded.copies().get(active).orElseThrow().flag() + 1) & 0xff;
        writeCopy(target, UBootEnvCodec.encode(vars, flag, config.sizeBytes(), true));
    }

    private void writeCopy(int index, byte[] bytes) {
        FwEnvConfig.Area area = config.areas().get(index);
        String forceRo = forceRoSwitch(area.device());
        String before = forceRo == null ? null : readSysfs(forceRo);
        try {
            if (before != null && !before.equals("0")) {
                writeSysfs(forceRo, "0");
            }
            try (BlockTarget target = opener.open(area.device(), true)) {
                target.write(ByteBuffer.wrap(bytes), area.offset());
                // The barrier that makes the copy count: until it returns, the other copy is the environment.
                target.sync();
            }
        } catch (IOException e) {
            throw new BootloaderException("uboot: cannot write environment copy " + (index + 1) + " to "
                    + area.device() + " at " + area.offset() + ": " + e.getMessage(), e);
        } finally {
            if (before != null && !before.equals("0")) {
                writeSysfs(forceRo, before);
            }
        }
    }

    /** The sysfs force_ro switch of an eMMC boot partition, null for any other device. */
    private String forceRoSwitch(Path device) {
        Path real = device;
        try {
            real = device.toRealPath();
        } catch (IOException e) {
            // keep the configured name
        }
        String name = real.getFileName() == null ? "" : real.getFileName().toString();
        if (!EMMC_BOOT.matcher(name).matches()) {
            return null;
        }
        Path sw = sysClassBlock.resolve(name).resolve("force_ro");
        return Files.isRegularFile(sw) ? sw.toString() : null;
    }

    private static String readSysfs(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeSysfs(String path, String value) {
        try {
            Files.writeString(Path.of(path), value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new BootloaderException("uboot: cannot write " + value + " to " + path + ": " + e.getMessage(), e);
        }
    }

    Loaded load() {
        List<Optional<UBootEnvCodec.Copy>> copies = new ArrayList<>();
        for (FwEnvConfig.Area area : config.areas()) {
            copies.add(UBootEnvCodec.decode(readArea(area), config.redundant()));
        }
        int active = config.redundant() ? UBootEnvCodec.active(copies.get(0), copies.get(1))
                : copies.get(0).isPresent() ? 0 : -1;
        return new Loaded(copies, active);
    }

    private byte[] readArea(FwEnvConfig.Area area) {
        try (BlockTarget target = opener.open(area.device(), false)) {
            ByteBuffer buf = ByteBuffer.allocate(area.sizeBytes());
            int n = target.read(buf, area.offset());
            return n == area.sizeBytes() ? buf.array() : new byte[0];
        } catch (NoSuchFileException e) {
            throw new BootloaderException("uboot: environment device " + area.device() + " does not exist");
        } catch (IOException e) {
            throw new BootloaderException("uboot: cannot read environment from " + area.device() + " at "
                    + area.offset() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The libubootenv command that writes a first environment: the board's defaults (so that bootcmd and the rest
     * stay) plus the first slot primary with {@code boot-attempts} boots, the others none.
     */
    String initCommand() {
        StringBuilder sb = new StringBuilder("fw_setenv -c ")
                .append(config.source() != null ? config.source() : FwEnvConfig.DEFAULT_PATH.toString())
                .append(" -f DEFAULT_ENV ").append(ORDER).append(" \"").append(String.join(" ", bootnames))
                .append('"');
        for (String b : bootnames) {
            sb.append(' ').append(leftName(b)).append(' ').append(b.equals(bootnames.get(0)) ? attempts : 0);
        }
        return sb.toString();
    }

    private Map<String, String> requireValid(Loaded loaded) {
        if (loaded.active() < 0) {
            throw new BootloaderException("uboot: no valid environment copy in " + config.areas().stream()
                    .map(a -> a.device() + "@0x" + Long.toHexString(a.offset())).toList()
                    + " (CRC mismatch); U-Boot runs its built-in default. Save one first: at the U-Boot prompt"
                    + " 'env default -a; saveenv', or from Linux '" + initCommand() + "' where DEFAULT_ENV is the"
                    + " board's default environment (u-boot-initial-env)");
        }
        return loaded.vars();
    }

    /** BOOT_ORDER as the script reads it: an unset or empty one is the script's default, config order. */
    private List<String> orderTokens(Map<String, String> vars) {
        String order = vars.getOrDefault(ORDER, "").trim();
        return order.isEmpty() ? bootnames : Arrays.asList(order.split("\\s+"));
    }

    /** The known slots in the order boot.cmd tries them. */
    private List<String> order(Map<String, String> vars) {
        return orderTokens(vars).stream().filter(bootnames::contains).distinct().toList();
    }

    private long left(Map<String, String> vars, String bootname) {
        return ScriptNumber.parse(vars.getOrDefault(leftName(bootname), ""), 10);
    }

    private static String leftName(String bootname) {
        return "BOOT_" + bootname + "_LEFT";
    }

    private void requireKnown(String bootname) {
        requireKnown("uboot", bootnames, bootname);
    }
}
