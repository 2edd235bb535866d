package dev.tandem.slot.state;

import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotIoException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <data-dir>/status.json}: slot states and floors (ARCHITECTURE.md §5), replaced whole through {@link DurableFile},
 * so a power cut leaves the old or the new status, never a mix.
 *
 * <p>Unknown fields are ignored on read: after a fallback, the older tandem in the old slot reads what the newer
 * one wrote, and must still run boot-check. A change an old reader must not ignore bumps {@code format}, and a
 * reader refuses a format newer than its own.
 */
public final class StatusStore {

    /** The file name inside the data-dir. */
    public static final String FILE_NAME = "status.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(instantAsIsoText());

    private final DurableFile file;

    public StatusStore(DurableFile file) {
        this.file = file;
    }

    /** The store of {@code dataDir}. */
    public static StatusStore in(Path dataDir) {
        return new StatusStore(DurableFile.at(dataDir.resolve(FILE_NAME)));
    }

    public Path path() {
        return file.path();
    }

    /** The stored status, empty when there is none yet. */
    public Optional<DeviceStatus> read() {
        Optional<byte[]> bytes;
        try {
            bytes = file.read();
        } catch (IOException e) {
            throw new SlotIoException("status " + file.path() + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        DeviceStatus status;
        try {
            status = JSON.readValue(bytes.get(), DeviceStatus.class);
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            throw new SlotIoException("status " + file.path() + ": cannot parse: " + oneLine(e), e);
        }
        if (status.format() != DeviceStatus.FORMAT) {
            throw new SlotIoException("status " + file.path() + ": format " + status.format()
                    + " is not the format " + DeviceStatus.FORMAT + " this tandem reads");
        }
        return Optional.of(status);
    }

    /**
     * The stored status for exactly these slots: slots the file does not know are {@code empty}, entries of slots
     * no longer configured are dropped. With no file yet (a factory-flashed device) the booted slot is {@code good},
     * the others {@code empty}, and the floor is {@code initialFloor}. Nothing is written.
     */
    public DeviceStatus load(List<Slot> slots, Slot booted, long initialFloor, Instant now, String bootId) {
        Optional<DeviceStatus> stored = read();
        Map<String, SlotStatus> bySlot = new LinkedHashMap<>();
        for (Slot s : slots) {
            SlotStatus st = stored.map(d -> d.slots().get(s.name())).orElse(null);
            if (st == null) {
                boolean factoryGood = stored.isEmpty()
                        && (s.name().equals(booted.name()) || booted.name().equals(s.parent()));
                st = SlotStatus.of(factoryGood ? SlotState.GOOD : SlotState.EMPTY, now, bootId);
            }
            bySlot.put(s.name(), st);
        }
        return stored.map(d -> new DeviceStatus(d.format(), d.securityFloor(), d.timeFloor(), d.failedBundles(), bySlot,
                        d.trialBundle()))
                .orElseGet(() -> new DeviceStatus(DeviceStatus.FORMAT, initialFloor, null, List.of(), bySlot));
    }

    /** Replaces the file atomically. */
    public void save(DeviceStatus status) {
        try {
            file.replace(JSON.writeValueAsBytes(status));
        } catch (IOException e) {
            throw new SlotIoException("status " + file.path() + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Instants as ISO-8601 text ({@code 2026-11-21T10:00:00Z}), without pulling in jackson-datatype-jsr310. */
    private static SimpleModule instantAsIsoText() {
        SimpleModule m = new SimpleModule("instant-iso");
        m.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializerProvider p) throws IOException {
                gen.writeString(value.toString());
            }
        });
        m.addDeserializer(Instant.class, new JsonDeserializer<>() {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return Instant.parse(p.getValueAsString());
            }
        });
        return m;
    }
}
