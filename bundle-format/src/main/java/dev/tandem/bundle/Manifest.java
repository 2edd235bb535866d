package dev.tandem.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The signed description of a bundle (FORMAT.md §2). Built by {@link ManifestParser} from verified bytes,
 * or by the writer.
 *
 * @param format           format version (1)
 * @param compatible       must equal the device's compatible string
 * @param version          SemVer 2.0
 * @param securityVersion  anti-rollback counter
 * @param created          creation time
 * @param expires          refuse after this time; null for never
 * @param description      free text; null for none
 * @param minTandemVersion oldest tandem that may install it; null for any
 * @param meta             vendor data, ignored by tandem; null for none
 * @param images           the images, in bundle order
 */
public record Manifest(int format, String compatible, String version, long securityVersion, Instant created,
                       Instant expires, String description, String minTandemVersion, JsonNode meta,
                       List<ImageEntry> images) {

    /** The format this code reads and writes. */
    public static final int FORMAT = 1;

    public Manifest {
        images = List.copyOf(images);
    }

    /** The image called {@code name}, or null. */
    public ImageEntry image(String name) {
        return images.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }
}
