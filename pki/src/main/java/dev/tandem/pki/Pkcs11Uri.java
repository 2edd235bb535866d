package dev.tandem.pki;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * An RFC 7512 {@code pkcs11:} URI naming a private key, parsed strictly: unknown or repeated attributes are
 * refused rather than ignored, since an ignored {@code token=} could select the wrong key.
 *
 * <p>Path attributes: {@code token}, {@code manufacturer}, {@code model}, {@code serial}, {@code slot-id}
 * select the token; {@code object} (label) and/or {@code id} (percent-encoded bytes, e.g. {@code id=%01})
 * select the key; {@code type} must be {@code private} if given. Query attributes: {@code module-path}
 * (required), {@code pin-value} or {@code pin-source} ({@code file:} URI or plain path).
 *
 * @param path  path attributes, percent-decoded
 * @param id    the decoded {@code id} bytes, or null
 * @param query query attributes, percent-decoded
 * @param text  the URI as given
 */
record Pkcs11Uri(Map<String, String> path, byte[] id, Map<String, String> query, String text) {

    private static final Set<String> PATH_ATTRIBUTES = Set.of("token", "manufacturer", "model", "serial",
            "slot-id", "object", "id", "type");
    private static final Set<String> QUERY_ATTRIBUTES = Set.of("module-path", "pin-value", "pin-source");

    /** @throws IllegalArgumentException with a message fit to follow the (redacted) URI */
    static Pkcs11Uri parse(String text) {
        if (!text.startsWith("pkcs11:")) {
            throw new IllegalArgumentException("not a pkcs11: URI");
        }
        String rest = text.substring("pkcs11:".length());
        int q = rest.indexOf('?');
        String pathPart = q < 0 ? rest : rest.substring(0, q);
        String queryPart = q < 0 ? "" : rest.substring(q + 1);
        Map<String, byte[]> rawPath = attributes(pathPart, ";", PATH_ATTRIBUTES, "path");
        Map<String, byte[]> rawQuery = attributes(queryPart, "&", QUERY_ATTRIBUTES, "query");
        Map<String, String> path = new HashMap<>();
        rawPath.forEach((k, v) -> path.put(k, new String(v, StandardCharsets.UTF_8)));
        Map<String, String> query = new HashMap<>();
        rawQuery.forEach((k, v) -> query.put(k, new String(v, StandardCharsets.UTF_8)));
        if (path.containsKey("type") && !path.get("type").equals("private")) {
            throw new IllegalArgumentException("type=" + path.get("type") + " does not name a private key");
        }
        return new Pkcs11Uri(Map.copyOf(path), rawPath.get("id"), Map.copyOf(query), text);
    }

    private static Map<String, byte[]> attributes(String part, String separator, Set<String> known, String where) {
        Map<String, byte[]> result = new HashMap<>();
        if (part.isEmpty()) {
            return result;
        }
        for (String attribute : part.split(separator, -1)) {
            int eq = attribute.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("malformed " + where + " attribute \"" + redact(attribute) + "\"");
            }
            String name = attribute.substring(0, eq);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unsupported " + where + " attribute \"" + name + "\"");
            }
            if (result.put(name, percentDecode(attribute.substring(eq + 1), name)) != null) {
                throw new IllegalArgumentException("attribute \"" + name + "\" given twice");
            }
        }
        return result;
    }

    private static byte[] percentDecode(String value, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%') {
                if (i + 2 >= bytes.length || Character.digit(bytes[i + 1], 16) < 0
                        || Character.digit(bytes[i + 2], 16) < 0) {
                    throw new IllegalArgumentException("bad percent-encoding in \"" + name + "\"");
                }
                out.write(Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16));
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toByteArray();
    }

    /** The URI for messages and logs, with a {@code pin-value} hidden. */
    String redacted() {
        return redact(text);
    }

    private static String redact(String s) {
        return s.replaceAll("pin-value=[^&]*", "pin-value=***");
    }

    @Override
    public String toString() {
        return redacted();
    }
}
