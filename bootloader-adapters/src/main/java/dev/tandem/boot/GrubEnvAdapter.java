package dev.tandem.boot;

import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * GRUB with RAUC-compatible variables in {@code grubenv}: {@code ORDER} (bootnames, tried left to right),
 * {@code <x>_OK} (1: the slot may boot) and {@code <x>_TRY} (1: GRUB has started it once since it was last
 * armed). {@code contrib/grub.cfg} boots the first slot in {@code ORDER} with {@code OK=1} and {@code TRY=0} and
 * saves {@code TRY=1} for it before the kernel starts, so an armed slot has exactly one boot before GRUB moves
 * on; the GRUB scheme therefore supports {@code boot-attempts = 1} only.
 *
 * <p>Crash safety (ARCHITECTURE.md §6): GRUB's {@code save_env} rewrites the block in place and the block has no
 * checksum, so tandem never writes in place. Every change writes {@code grubenv.bak} and then {@code grubenv},
 * each as a new 1024-byte file (write, fsync, rename, fsync directory). Whichever moment power fails, one of the
 * two files holds a complete environment. Readers (this class and {@code contrib/grub.cfg}) take {@code grubenv}
 * unless it is unusable (not an environment block, or {@code ORDER} unset), then {@code grubenv.bak}. Variables
 * tandem does not know are kept.
 */
public final class GrubEnvAdapter extends ArmedOrderAdapter {

    static final String ORDER = "ORDER";
    static final String FLOOR = "TANDEM_SECURITY_FLOOR";

    /** Where the effective environment came from. */
    enum Source { GRUBENV, BACKUP, NONE }

    /** The environment as GRUB will see it at the next boot. */
    record Env(GrubEnvBlock block, Source source) {
    }

    private final DurableFile grubenv;
    private final DurableFile backup;
    private final List<String> bootnames;

    /**
     * @param grubenv   the environment GRUB loads
     * @param backup    its copy, {@code grubenv.bak} beside it
     * @param bootnames the slots' bootnames in config order
     */
    public GrubEnvAdapter(DurableFile grubenv, DurableFile backup, List<String> bootnames, int bootAttempts) {
        if (bootAttempts != 1) {
            throw new BootloaderException("grub: boot-attempts must be 1 (GRUB keeps one try flag per slot), not "
                    + bootAttempts);
        }
        if (bootnames.size() < 2) {
            throw new BootloaderException("grub: needs at least two slots, got " + bootnames);
        }
        for (String b : bootnames) {
            GrubEnvBlock.checkName(b + "_OK");
            if (b.isBlank() || b.chars().anyMatch(Character::isWhitespace)) {
                throw new BootloaderException("grub: bootname '" + b + "' cannot be listed in ORDER");
            }
        }
        this.grubenv = grubenv;
        this.backup = backup;
        this.bootnames = List.copyOf(bootnames);
    }

    /** Uses {@code grubenv} from the options and {@code grubenv.bak} beside it. */
    public GrubEnvAdapter(BootloaderOptions options) {
        this(DurableFile.at(requireGrubenv(options)), DurableFile.at(backupOf(requireGrubenv(options))),
                options.bootnames(), options.bootAttempts());
    }

    private static Path requireGrubenv(BootloaderOptions options) {
        if (options.grubenv() == null) {
            throw new BootloaderException("grub: no grubenv path configured ([bootloader-options] grubenv)");
        }
        return options.grubenv();
    }

    /** {@code grubenv.bak} beside {@code grubenv}. */
    public static Path backupOf(Path grubenv) {
        return grubenv.resolveSibling(grubenv.getFileName() + ".bak");
    }

    @Override
    public String name() {
        return "grub";
    }

    @Override
    public Optional<String> primary() {
        Env env = load();
        return order(env).stream().filter(b -> bootable(env, b)).findFirst();
    }

    @Override
    public BootSlotState state(String bootname) {
        requireKnown(bootname);
        Env env = load();
        boolean bootable = bootable(env, bootname);
        // One armed boot, or none: after it GRUB has set TRY=1 and skips the slot until it is re-armed.
        return new BootSlotState(bootname, bootable, bootable ? 1 : 0);
    }

    @Override
    public void markBad(String bootname) {
        requireKnown(bootname);
        Env env = load();
        Map<String, String> vars = new LinkedHashMap<>(env.block().vars());
        if (env.source() == Source.NONE) {
            vars.put(ORDER, String.join(" ", bootnames));
        }
        vars.put(bootname + "_OK", "0");
        store(env, vars);
    }

    @Override
    public void rearm(String bootname) {
        requireKnown(bootname);
        Env env = load();
        Map<String, String> vars = new LinkedHashMap<>(env.block().vars());
        vars.put(bootname + "_OK", "1");
        vars.put(bootname + "_TRY", "0");
        if (env.source() == Source.NONE) {
            vars.put(ORDER, String.join(" ", bootnames));
        }
        store(env, vars);
    }

    @Override
    public OptionalLong securityFloor() {
        return load().block().get(FLOOR).map(GrubEnvAdapter::parseFloor).orElse(OptionalLong.empty());
    }

    @Override
    public void raiseSecurityFloor(long floor) {
        Env env = load();
        OptionalLong current = env.block().get(FLOOR).map(GrubEnvAdapter::parseFloor).orElse(OptionalLong.empty());
        if (current.isPresent() && current.getAsLong() >= floor) {
            return;
        }
        Map<String, String> vars = new LinkedHashMap<>(env.block().vars());
        vars.put(FLOOR, Long.toString(floor));
        if (env.source() == Source.NONE) {
            vars.put(ORDER, String.join(" ", bootnames));
        }
        store(env, vars);
    }

    private static OptionalLong parseFloor(String s) {
        try {
            return OptionalLong.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    void makePrimaryAndArm(String bootname) {
        requireKnown(bootname);
        Env env = load();
        List<String> order = new ArrayList<>();
        order.add(bootname);
        for (String b : env.source() == Source.NONE ? bootnames : orderTokens(env)) {
            if (!b.equals(bootname) && !order.contains(b)) {
                order.add(b);
            }
        }
        Map<String, String> vars = new LinkedHashMap<>(env.block().vars());
        vars.put(ORDER, String.join(" ", order));
        vars.put(bootname + "_OK", "1");
        vars.put(bootname + "_TRY", "0");
        store(env, vars);
    }

    /**
     * The environment GRUB will load: {@code grubenv} when it is a block with {@code ORDER} set, else
     * {@code grubenv.bak}, else nothing usable (GRUB then boots the first slot and saves nothing).
     */
    Env load() {
        Optional<GrubEnvBlock> main = read(grubenv);
        if (main.isPresent() && hasOrder(main.get())) {
            return new Env(main.get(), Source.GRUBENV);
        }
        Optional<GrubEnvBlock> bak = read(backup);
        if (bak.isPresent() && hasOrder(bak.get())) {
            return new Env(bak.get(), Source.BACKUP);
        }
        // Keep whatever variables a readable file holds, so a rewrite does not drop them.
        return new Env(main.or(() -> bak).orElse(GrubEnvBlock.of(Map.of())), Source.NONE);
    }

    private static boolean hasOrder(GrubEnvBlock block) {
        return block.get(ORDER).map(o -> !o.isBlank()).orElse(false);
    }

    private Optional<GrubEnvBlock> read(DurableFile file) {
        try {
            return file.read().flatMap(GrubEnvBlock::parse);
        } catch (IOException e) {
            throw new BootloaderException("grub: cannot read " + file.path() + ": " + e.getMessage(), e);
        }
    }

    private void store(Env env, Map<String, String> vars) {
        // A name GRUB itself misreads (a line without '=' runs into the next one) cannot be written back.
        vars.keySet().removeIf(name -> !GrubEnvBlock.isValidName(name));
        GrubEnvBlock next = GrubEnvBlock.of(vars);
        if (env.source() == Source.GRUBENV && next.equals(env.block())) {
            return; // nothing changed: no write (flash wears out)
        }
        byte[] bytes = next.toBytes();
        // The backup first: until grubenv is replaced, GRUB still reads the old, complete grubenv.
        write(backup, bytes);
        write(grubenv, bytes);
    }

    private static void write(DurableFile file, byte[] bytes) {
        try {
            file.replace(bytes);
        } catch (IOException e) {
            throw new BootloaderException("grub: cannot write " + file.path() + ": " + e.getMessage(), e);
        }
    }

    private List<String> orderTokens(Env env) {
        String order = env.block().get(ORDER).orElse("").trim();
        return order.isEmpty() ? List.of() : Arrays.asList(order.split("\\s+"));
    }

    /** The slots in the order the script tries them; without a usable ORDER, config order. */
    private List<String> order(Env env) {
        List<String> tokens = env.source() == Source.NONE ? bootnames : orderTokens(env);
        return tokens.stream().filter(bootnames::contains).distinct().toList();
    }

    private boolean bootable(Env env, String bootname) {
        if (!order(env).contains(bootname)) {
            return false;
        }
        long ok = ScriptNumber.parse(env.block().get(bootname + "_OK").orElse(""), 0);
        long tried = ScriptNumber.parse(env.block().get(bootname + "_TRY").orElse(""), 0);
        return ok == 1 && tried == 0;
    }

    private void requireKnown(String bootname) {
        requireKnown("grub", bootnames, bootname);
    }
}
