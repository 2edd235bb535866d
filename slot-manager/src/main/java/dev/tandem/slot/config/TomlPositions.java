package dev.tandem.slot.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each table header and key of a TOML text is ("line:column", both from 1), for error messages: the parsed
 * tree keeps no positions. A line scanner, not a second parser: it reads table headers ({@code [a."b"]},
 * {@code [[a]]}) and key lines ({@code a.b = ...}) with bare, "basic" and 'literal' key parts; what it cannot read
 * (lines inside multi-line values) it skips, and a key it did not find simply has no position.
 */
final class TomlPositions {

    private final Map<List<String>, String> tables = new HashMap<>();
    private final Map<List<String>, String> keys = new HashMap<>();

    private TomlPositions() {
    }

    static TomlPositions scan(String text) {
        TomlPositions p = new TomlPositions();
        List<String> table = List.of();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int col = 0;
            while (col < line.length() && (line.charAt(col) == ' ' || line.charAt(col) == '\t')) {
                col++;
            }
            if (col == line.length() || line.charAt(col) == '#') {
                continue;
            }
            String at = (i + 1) + ":" + (col + 1);
            if (line.charAt(col) == '[') {
                int from = line.startsWith("[[", col) ? col + 2 : col + 1;
                List<String> parts = keyParts(line, from, ']');
                if (parts != null) {
                    table = parts;
                    p.tables.putIfAbsent(parts, at);
                }
                continue;
            }
            List<String> parts = keyParts(line, col, '=');
            if (parts != null) {
                List<String> full = new ArrayList<>(table);
                full.addAll(parts);
                p.keys.putIfAbsent(full, at);
            }
        }
        return p;
    }

    /**
     * "line:column" of {@code key} (a key line or a sub-table's header) in the table at {@code table}, else of that
     * table's header, else null.
     */
    String of(List<String> table, String key) {
        if (key != null) {
            List<String> full = new ArrayList<>(table);
            full.add(key);
            String at = keys.getOrDefault(full, tables.get(full));
            if (at != null) {
                return at;
            }
        }
        return table.isEmpty() ? null : tables.getOrDefault(table, keys.get(table));
    }

    /** The dotted key starting at {@code from}, ended by {@code end}; null when the line is not one. */
    private static List<String> keyParts(String line, int from, char end) {
        List<String> parts = new ArrayList<>();
        int i = from;
        while (true) {
            i = skipBlanks(line, i);
            if (i >= line.length()) {
                return null;
            }
            char c = line.charAt(i);
            int start = i;
            if (c == '"' || c == '\'') {
                i++;
                while (i < line.length() && line.charAt(i) != c) {
                    i += c == '"' && line.charAt(i) == '\\' ? 2 : 1;
                }
                if (i >= line.length()) {
                    return null;
                }
                // Escapes in key names are rare in system.toml; the raw text stands for itself.
                parts.add(line.substring(start + 1, i));
                i++;
            } else {
                while (i < line.length() && isBare(line.charAt(i))) {
                    i++;
                }
                if (i == start) {
                    return null;
                }
                parts.add(line.substring(start, i));
            }
            i = skipBlanks(line, i);
            if (i < line.length() && line.charAt(i) == '.') {
                i++;
                continue;
            }
            return i < line.length() && line.charAt(i) == end ? parts : null;
        }
    }

    private static int skipBlanks(String line, int i) {
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean isBare(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }
}
