package dev.tandem.agent.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.slot.config.FeedKeys;
import dev.tandem.slot.policy.SemVer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * feed.json, read and written (device-agent/FEED.md). Reading is bounded like the DDI client's JSON
 * ({@link DdiJson}: depth, number, string and name lengths) and by this format's own limits: at most
 * {@value #MAX_FEED_BYTES} bytes and {@value #MAX_ENTRIES} entries. Unknown keys are ignored (a newer publisher's
 * additions never break an older device); a known key of the wrong type is an error.
 */
public final class FeedJson {

    /** Largest feed.json a device reads. */
    public static final int MAX_FEED_BYTES = DdiClient.MAX_BODY_BYTES;
    /** Largest feed.json.p7s a device reads (a bundle's signature has the same bound). */
    public static final int MAX_SIGNATURE_BYTES = 64 * 1024;
    /** Most entries in one feed. */
    public static final int MAX_ENTRIES = 1024;
    /** Longest URL of an entry. */
    public static final int MAX_URL_CHARS = 2048;
    /** Longest compatible string. */
    public static final int MAX_COMPATIBLE_CHARS = 255;

    private static final Pattern BUNDLE_ID = Pattern.compile("[0-9a-f]{64}");

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(DdiJson.MAX_DEPTH)
                    .maxNumberLength(DdiJson.MAX_NUMBER_CHARS)
                    .maxStringLength(DdiJson.MAX_STRING_CHARS)
                    .maxNameLength(DdiJson.MAX_NAME_CHARS)
                    .maxDocumentLength(MAX_FEED_BYTES)
                    .build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private FeedJson() {
    }

    /** The feed as JSON bytes (what {@code tandem feed publish} signs). */
    public static byte[] write(Feed feed) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", Feed.FORMAT);
        root.put("channel", feed.channel());
        root.put("issued", feed.issued().toString());
        root.put("expires", feed.expires().toString());
        ArrayNode bundles = root.putArray("bundles");
        for (FeedEntry e : feed.bundles()) {
            ObjectNode o = bundles.addObject();
            o.put("compatible", e.compatible());
            o.put("version", e.version());
            o.put("security-version", e.securityVersion());
            o.put("bundle-id", e.bundleId());
            o.put("size", e.size());
            o.put("url", e.url());
            if (e.phased() != null) {
                o.put("phased", e.phased());
            }
            if (e.minVersion() != null) {
                o.put("min-version", e.minVersion());
            }
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a feed. Call only on bytes whose signature verified: the checks here keep a signed but broken feed
     * from reaching the agent's decisions, not an attacker out.
     *
     * @throws FeedException MALFORMED or TOO_LARGE, with a one-line reason
     */
    public static Feed read(byte[] json) throws FeedException {
        if (json.length > MAX_FEED_BYTES) {
            throw new FeedException(FeedException.Kind.TOO_LARGE, "feed is " + json.length + " bytes, more than "
                    + MAX_FEED_BYTES);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = m.indexOf('\n');
            throw malformed("not JSON: " + DdiJson.oneLine(nl < 0 ? m : m.substring(0, nl)));
        }
        if (root == null || !root.isObject()) {
            throw malformed("not a JSON object");
        }
        int format = (int) integer(root, "format", 1, Integer.MAX_VALUE, "");
        if (format != Feed.FORMAT) {
            throw malformed("format " + format + ", this tandem reads format " + Feed.FORMAT);
        }
        String channel = text(root, "channel", 64, "");
        if (!FeedKeys.CHANNEL.matcher(channel).matches()) {
            throw malformed("channel is not a channel name");
        }
        Instant issued = instant(root, "issued", "");
        Instant expires = instant(root, "expires", "");
        JsonNode list = root.get("bundles");
        if (list == null || !list.isArray()) {
            throw malformed("bundles: missing, or not an array");
        }
        if (list.size() > MAX_ENTRIES) {
            throw new FeedException(FeedException.Kind.TOO_LARGE, "feed has " + list.size() + " entries, more than "
                    + MAX_ENTRIES);
        }
        List<FeedEntry> entries = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            entries.add(entry(list.get(i), "bundles[" + i + "]."));
        }
        return new Feed(channel, issued, expires, entries);
    }

    private static FeedEntry entry(JsonNode o, String at) throws FeedException {
        if (!o.isObject()) {
            throw malformed(at.substring(0, at.length() - 1) + ": not an object");
        }
        String compatible = text(o, "compatible", MAX_COMPATIBLE_CHARS, at);
        String version = semVer(o, "version", at);
        long securityVersion = integer(o, "security-version", 0, Long.MAX_VALUE, at);
        String bundleId = text(o, "bundle-id", 64, at);
        if (!BUNDLE_ID.matcher(bundleId).matches()) {
            throw malformed(at + "bundle-id: not 64 lower-case hex digits");
        }
        long size = integer(o, "size", 1, Long.MAX_VALUE, at);
        String url = text(o, "url", MAX_URL_CHARS, at);
        Integer phased = o.has("phased") ? (int) integer(o, "phased", 0, 100, at) : null;
        String minVersion = o.has("min-version") ? semVer(o, "min-version", at) : null;
        return new FeedEntry(compatible, version, securityVersion, bundleId, size, url, phased, minVersion);
    }

    private static String semVer(JsonNode o, String key, String at) throws FeedException {
        String v = text(o, key, 128, at);
        try {
            SemVer.parse(v);
        } catch (RuntimeException e) {
            throw malformed(at + key + ": not a SemVer version");
        }
        return v;
    }

    private static String text(JsonNode o, String key, int max, String at) throws FeedException {
        JsonNode n = o.get(key);
        if (n == null || !n.isTextual()) {
            throw malformed(at + key + ": missing, or not a string");
        }
        String s = n.textValue();
        if (s.isEmpty() || s.length() > max || s.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw malformed(at + key + ": empty, longer than " + max + " characters, or has control characters");
        }
        return s;
    }

    private static long integer(JsonNode o, String key, long min, long max, String at) throws FeedException {
        JsonNode n = o.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw malformed(at + key + ": missing, or not an integer");
        }
        long v = n.longValue();
        if (v < min || v > max) {
            throw malformed(at + key + ": " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    private static Instant instant(JsonNode o, String key, String at) throws FeedException {
        String s = text(o, key, 64, at);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw malformed(at + key + ": not an RFC 3339 UTC time like 2027-01-01T00:00:00Z");
        }
    }

    private static FeedException malformed(String why) {
        return new FeedException(FeedException.Kind.MALFORMED, "malformed feed: " + why);
    }
}
