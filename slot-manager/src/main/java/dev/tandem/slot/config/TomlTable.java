package dev.tandem.slot.config;

import dev.tandem.slot.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One table of system.toml, read key by key. It remembers which keys were asked for, so {@link #finish()} can
 * name every key nobody knows: unknown keys are errors (ARCHITECTURE.md §5), because a misspelt key silently ignored
 * is a safety setting silently off.
 */
final class TomlTable {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final ObjectNode node;
    private final String where;
    private final Path file;
    private final TomlPositions positions;
    private final List<String> path;
    private final Set<String> known = new LinkedHashSet<>();

    /** The top level of {@code file}, whose text gave {@code positions}. */
    TomlTable(ObjectNode node, Path file, TomlPositions positions) {
        this(node, "top level", file, positions, List.of());
    }

    private TomlTable(ObjectNode node, String where, Path file, TomlPositions positions, List<String> path) {
        this.node = node;
        this.where = where;
        this.file = file;
        this.positions = positions;
        this.path = path;
    }

    /** {@code config <file>:<line>:<col>: } where the key (or else this table) is written; without a position when unknown. */
    private String at(String key) {
        String pos = positions.of(path, key);
        return "config " + file + (pos != null ? ":" + pos : "") + ": ";
    }

    /** For messages: {@code top level}, {@code [health]}, {@code [slots."rootfs.0"]}. */
    String where() {
        return where;
    }

    ConfigException error(String key, String problem) {
        return error(ConfigException.Reason.INVALID_VALUE, key, problem);
    }

    ConfigException error(ConfigException.Reason reason, String key, String problem) {
        return new ConfigException(reason, at(key) + where + " " + key + ": " + problem);
    }

    ConfigException error(String problem) {
        return new ConfigException(at(null) + where + ": " + problem);
    }

    /** An error about another place of the same file: {@code config <file>: <where>: <problem>}. */
    ConfigException elsewhere(String otherWhere, String problem) {
        return new ConfigException("config " + file + ": " + otherWhere + ": " + problem);
    }

    boolean has(String key) {
        known.add(key);
        return node.has(key);
    }

    Optional<String> string(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error(key, "must be a string");
        }
        if (v.asText().isBlank()) {
            throw error(key, "must not be empty");
        }
        return Optional.of(v.asText());
    }

    String requiredString(String key) {
        return string(key).orElseThrow(() -> error(ConfigException.Reason.MISSING_KEY, key, "required key is missing"));
    }

    boolean bool(String key, boolean defaultValue) {
        JsonNode v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            throw error(key, "must be true or false");
        }
        return v.asBoolean();
    }

    Optional<Long> integer(String key, long min, long max) {
        JsonNode v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw error(key, "must be an integer");
        }
        long value = v.asLong();
        if (value < min || value > max) {
            throw error(key, "must be between " + min + " and " + max + ", not " + value);
        }
        return Optional.of(value);
    }

    /** A path; relative paths resolve against the config file's directory. */
    Optional<Path> path(String key) {
        return string(key).map(this::resolve);
    }

    Path resolve(String path) {
        Path dir = file.toAbsolutePath().getParent();
        return dir.resolve(path).normalize();
    }

    /** A duration: an integer number of seconds, or a string such as {@code "90s"}, {@code "500ms"}, {@code "5m"}. */
    Optional<Duration> duration(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.isIntegralNumber() && v.asLong() >= 0) {
            return Optional.of(Duration.ofSeconds(v.asLong()));
        }
        Matcher m = DURATION.matcher(v.isTextual() ? v.asText().trim().toLowerCase(Locale.ROOT) : "");
        if (!m.matches()) {
            throw error(key, "must be seconds or a duration like \"500ms\", \"90s\", \"5m\", \"1h\", not " + v);
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        });
    }

    List<String> strings(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw error(key, "must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isBlank()) {
                throw error(key, "must be an array of non-empty strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    Map<String, String> stringMap(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw error(key, "must be a table of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(key, "value of '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** A sub-table; an absent table reads as an empty one so that defaults apply. */
    TomlTable table(String key, String subWhere) {
        JsonNode v = get(key);
        if (v == null) {
            return new TomlTable(node.objectNode(), subWhere, file, positions, subPath(key));
        }
        if (!v.isObject()) {
            throw error(key, "must be a table");
        }
        return new TomlTable((ObjectNode) v, subWhere, file, positions, subPath(key));
    }

    private List<String> subPath(String key) {
        List<String> p = new ArrayList<>(path);
        p.add(key);
        return List.copyOf(p);
    }

    /** The names of the keys of this table, in file order (for {@code [slots]}). */
    List<String> keys() {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** Refuses every key of this table that was never asked for. */
    void finish() {
        for (String key : keys()) {
            if (!known.contains(key)) {
                throw new ConfigException(ConfigException.Reason.UNKNOWN_KEY,
                        at(key) + where + ": unknown key '" + key + "' (known: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    private JsonNode get(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }
}
