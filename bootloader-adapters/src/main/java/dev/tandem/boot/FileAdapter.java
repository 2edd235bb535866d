package dev.tandem.boot;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A simulated bootloader kept in a JSON file, for the demo and for tests on machines without a real one.
 *
 * <p>It follows U-Boot's counter scheme (ARCHITECTURE.md §6): a boot order and a count of boots left per slot.
 * {@link #simulateBoot()} does what the bootloader would do at power-on: take the first slot in the order
 * with boots left, spend one, and record it as booted, so the host can tell which slot "runs".
 */
public final class FileAdapter implements BootloaderAdapter {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The file's content. {@code booted} is the slot the simulated device is running. */
    record Env(
            @JsonProperty("order") List<String> order,
            @JsonProperty("left") Map<String, Integer> left,
            @JsonProperty("booted") String booted,
            @JsonProperty("boots") long boots) {
    }

    private final DurableFile file;
    private final List<String> bootnames;
    private final int attempts;

    public FileAdapter(DurableFile file, List<String> bootnames, int bootAttempts) {
        if (bootnames.size() < 2) {
            throw new BootloaderException("file bootloader: needs at least two slots, got " + bootnames);
        }
        this.file = file;
        this.bootnames = List.copyOf(bootnames);
        this.attempts = bootAttempts;
    }

    public FileAdapter(BootloaderOptions options) {
        this(DurableFile.at(options.fileEnv()), options.bootnames(), options.bootAttempts());
    }

    @Override
    public String name() {
        return "file";
    }

    /** This adapter is the simulation: it tells the booted slot and counts the boots. */
    @Override
    public Optional<SimulatedBoot> simulatedBoot() {
        return Optional.of(new SimulatedBoot() {
            @Override
            public String bootedSlot() {
                return booted();
            }

            @Override
            public String bootId() {
                return "file-boot-" + bootCount();
            }
        });
    }

    /** The slot the simulated device booted last; a factory-fresh device runs the first slot. */
    public String booted() {
        return load().booted();
    }

    /** How many times the simulated device has booted: the demo's boot id. */
    public long bootCount() {
        return load().boots();
    }

    /**
     * Power-on: picks the first slot in the order with boots left and spends one boot of it.
     *
     * @return the slot that boots, empty when none is bootable (a real device would stop here)
     */
    public Optional<String> simulateBoot() {
        Env env = load();
        for (String slot : env.order()) {
            int left = env.left().getOrDefault(slot, 0);
            if (left > 0) {
                Map<String, Integer> newLeft = new LinkedHashMap<>(env.left());
                newLeft.put(slot, left - 1);
                store(new Env(env.order(), newLeft, slot, env.boots() + 1));
                return Optional.of(slot);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> primary() {
        Env env = load();
        return env.order().stream().filter(s -> env.left().getOrDefault(s, 0) > 0).findFirst();
    }

    @Override
    public BootSlotState state(String bootname) {
        Env env = load();
        requireKnown(bootname);
        int left = env.left().getOrDefault(bootname, 0);
        return new BootSlotState(bootname, env.order().contains(bootname) && left > 0, left);
    }

    @Override
    public void setTryOnce(String bootname) {
        update(bootname, attempts, true);
    }

    @Override
    public void markGood(String bootname) {
        update(bootname, attempts, true);
    }

    @Override
    public void markBad(String bootname) {
        update(bootname, 0, false);
    }

    @Override
    public void rearm(String bootname) {
        Env env = load();
        requireKnown(bootname);
        if (env.left().getOrDefault(bootname, 0) != attempts) {
            update(bootname, attempts, false);
        }
    }

    private void update(String bootname, int left, boolean makePrimary) {
        requireKnown(bootname);
        Env env = load();
        List<String> order = new ArrayList<>(env.order());
        if (makePrimary) {
            order.remove(bootname);
            order.add(0, bootname);
        }
        Map<String, Integer> newLeft = new LinkedHashMap<>(env.left());
        newLeft.put(bootname, left);
        Env next = new Env(order, newLeft, env.booted(), env.boots());
        if (!next.equals(env)) {
            store(next); // nothing changed: no write, as the real adapters
        }
    }

    private void requireKnown(String bootname) {
        if (!bootnames.contains(bootname)) {
            throw new BootloaderException("file bootloader: unknown slot bootname '" + bootname + "' (known: "
                    + String.join(", ", bootnames) + ")");
        }
    }

    private Env load() {
        try {
            Optional<byte[]> bytes = file.read();
            if (bytes.isEmpty()) {
                return factoryEnv();
            }
            Env env = JSON.readValue(bytes.get(), Env.class);
            if (env.order() == null || env.left() == null || env.booted() == null) {
                throw new BootloaderException("file bootloader: " + file.path() + " lacks order, left or booted");
            }
            return env;
        } catch (IOException e) {
            throw new BootloaderException("file bootloader: cannot read " + file.path() + ": " + e.getMessage(), e);
        }
    }

    /** A factory-flashed device: the first slot runs and is the only one armed. */
    private Env factoryEnv() {
        Map<String, Integer> left = new LinkedHashMap<>();
        for (String b : bootnames) {
            left.put(b, b.equals(bootnames.get(0)) ? attempts : 0);
        }
        return new Env(bootnames, left, bootnames.get(0), 0);
    }

    private void store(Env env) {
        try {
            file.replace(JSON.writeValueAsBytes(env));
        } catch (IOException e) {
            throw new BootloaderException("file bootloader: cannot write " + file.path() + ": " + e.getMessage(), e);
        }
    }
}
