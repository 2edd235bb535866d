package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The DDI wire codec: records in, JSON out and back. Unknown properties are ignored (each record says so too, as
 * hawkBit's own model does), so a newer server's additions never break an older device; wrong types are errors.
 */
public final class DdiJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
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
            return MAPPER.readValue(json, type);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = m.indexOf('\n');
            throw new IOException("malformed " + type.getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl)), e);
        }
    }
}
