package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The DDI wire codec: records in, JSON out and back. Unknown properties are ignored (each record says so too, as
 * hawkBit's own model does), so a newer server's additions never break an older device; wrong types are errors.
 * Parsing is bounded beyond the body size ({@link DdiClient#MAX_BODY_BYTES}): nesting depth
 * {@value #MAX_DEPTH}, numbers of at most {@value #MAX_NUMBER_CHARS} characters, strings of at most
 * {@value #MAX_STRING_CHARS} and property names of at most {@value #MAX_NAME_CHARS}; hawkBit's messages are
 * far inside all of them.
 */
public final class DdiJson {

    /** Deepest nesting of objects and arrays (hawkBit's deployment is 6 deep). */
    public static final int MAX_DEPTH = 32;
    /** Longest number, in characters. */
    public static final int MAX_NUMBER_CHARS = 40;
    /** Longest string value (a signed download URL is the longest hawkBit sends). */
    public static final int MAX_STRING_CHARS = 16 * 1024;
    /** Longest property name. */
    public static final int MAX_NAME_CHARS = 256;
    /** Longest action id: hawkBit's are decimal longs. */
    public static final int MAX_ID_CHARS = 64;
    /** Longest error text taken from a server's answer into a message. */
    static final int MAX_MESSAGE_CHARS = 300;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxStringLength(MAX_STRING_CHARS)
                    .maxNameLength(MAX_NAME_CHARS)
                    .maxDocumentLength(DdiClient.MAX_BODY_BYTES)
                    .build())
            .build();

    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

    private DdiJson() {
    }

    /** {@code value} as JSON bytes. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("DDI message not serialisable: " + value, e);
        }
    }

    /**
     * Parses a message.
     *
     * @throws IOException naming what did not fit (wrong type, missing required field, not JSON)
     */
    public static <T> T read(byte[] json, Class<T> type) throws IOException {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IOException("malformed " + type.getSimpleName() + ": null instead of an object");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            // RuntimeException: a record's check (IllegalArgumentException, NullPointerException), or anything
            // else Jackson lets through on input nobody expected; the caller wants one IOException.
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = m.indexOf('\n');
            throw new IOException("malformed " + type.getSimpleName() + ": " + oneLine(nl < 0 ? m : m.substring(0, nl)),
                    e);
        }
    }

    /**
     * An action id as it may be used in URLs, the journal and messages: 1 to {@value #MAX_ID_CHARS} letters,
     * digits, {@code -}, {@code _} or {@code .}, and not dots alone: {@code .} and {@code ..} are path segments
     * that would take feedback URLs to another resource.
     *
     * @throws IllegalArgumentException otherwise
     */
    static String requireId(String id, String what) {
        if (id == null) {
            throw new NullPointerException(what + " is missing");
        }
        if (!isId(id)) {
            throw new IllegalArgumentException(what + " is not an id (1 to " + MAX_ID_CHARS + " letters, digits,"
                    + " '-', '_', '.'; not dots alone)");
        }
        return id;
    }

    /** Whether {@code id} can be an action id (see {@link #requireId}). */
    public static boolean isId(String id) {
        return !id.isEmpty() && id.length() <= MAX_ID_CHARS && id.chars().allMatch(ch -> ch < 128
                && (Character.isLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '.'))
                && !id.chars().allMatch(ch -> ch == '.');
    }

    /**
     * A name the server gives (an artifact's file name) as it may appear in lines and feedback: null, or 1 to 255
     * characters without control characters.
     *
     * @throws IllegalArgumentException otherwise
     */
    static String requireName(String name, String what) {
        if (name != null && (name.isEmpty() || name.length() > 255 || name.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException(what + " is not a name (1 to 255 characters, no control characters)");
        }
        return name;
    }

    /**
     * Text from the server made safe for a one-line message: control and non-ASCII characters replaced by
     * {@code ?}, cut to {@value #MAX_MESSAGE_CHARS} characters.
     */
    public static String oneLine(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_MESSAGE_CHARS + 3));
        for (int i = 0; i < text.length() && b.length() < MAX_MESSAGE_CHARS; i++) {
            char ch = text.charAt(i);
            b.append(ch < 0x20 || ch > 0x7e ? '?' : ch);
        }
        if (text.length() > MAX_MESSAGE_CHARS) {
            b.append("...");
        }
        return b.toString();
    }
}
