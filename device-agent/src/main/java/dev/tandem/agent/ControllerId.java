package dev.tandem.agent;

import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * This device's DDI controller id: {@code [agent] controller-id} when configured; otherwise one derived once and
 * kept in {@code <data-dir>/agent/controller-id}. It must not change when the device boots the other slot, so it
 * is not re-derived from files in the rootfs (a per-slot machine-id or hostname would make every update a new
 * device on the server): the first derivation is stored on the data partition and used ever after.
 */
public final class ControllerId {

    /** What hawkBit accepts in a controller id (and what stays readable in URLs and logs). */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private ControllerId() {
    }

    /**
     * @param configured {@code [agent] controller-id}, or null
     * @param stored     {@code <data-dir>/agent/controller-id}
     * @param hostname   {@code /etc/hostname}
     * @param machineId  {@code /etc/machine-id}
     */
    public static String resolve(String configured, DurableFile stored, Path hostname, Path machineId) throws IOException {
        if (configured != null) {
            return configured;
        }
        Optional<byte[]> existing = stored.read();
        if (existing.isPresent()) {
            String id = new String(existing.get(), StandardCharsets.UTF_8).trim();
            if (VALID.matcher(id).matches()) {
                return id;
            }
        }
        String id = firstValid(hostname).filter(h -> !h.equals("localhost"))
                .or(() -> firstValid(machineId))
                .orElseGet(() -> "tandem-" + UUID.randomUUID());
        stored.replace((id + "\n").getBytes(StandardCharsets.UTF_8));
        return id;
    }

    private static Optional<String> firstValid(Path file) {
        try {
            String s = Files.readString(file).trim();
            return VALID.matcher(s).matches() ? Optional.of(s) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
