package dev.tandem.install;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The install journal, {@code <data-dir>/install.json} (ARCHITECTURE.md §4 "Resume"): enough to continue an interrupted
 * install of the same bundle into the same slots without downloading again what is already written and synced.
 * No bundle-file offsets are kept: a re-signed bundle shifts them, so a resume re-reads the tar layout and
 * re-verifies the signature against today's keyring.
 *
 * @param format     journal format, 1 (since format 1)
 * @param bundleId   SHA-256 of the manifest: the same bundle, however it is signed or served (since 1)
 * @param bootedSlot the slot that was booted: the journal applies only while it still is (since 1)
 * @param bootId     the boot in which the install ran, for the status report (since 1)
 * @param resumes    how often this install was resumed: after too many, give up (a loop) (since 1)
 * @param images     per image, its target and how far it got (since 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstallJournal(
        @JsonProperty("format") int format,
        @JsonProperty("bundle-id") String bundleId,
        @JsonProperty("booted-slot") String bootedSlot,
        @JsonProperty("boot-id") String bootId,
        @JsonProperty("resumes") int resumes,
        @JsonProperty("images") List<ImageProgress> images) {

    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public InstallJournal {
        images = List.copyOf(images);
    }

    /**
     * One image's progress.
     *
     * @param image      image name (since 1)
     * @param slot       target slot name (since 1)
     * @param chunkSize  the bundle's chunk size: done-below counts chunks of this size (since 1)
     * @param doneBelow  every chunk below this index is written, verified and synced (since 1)
     * @param complete   the image is fully written and checked (since 1)
     */
    public record ImageProgress(
            @JsonProperty("image") String image,
            @JsonProperty("slot") String slot,
            @JsonProperty("chunk-size") int chunkSize,
            @JsonProperty("done-below") long doneBelow,
            @JsonProperty("complete") boolean complete) {
    }

    /** The progress of {@code image}, or null. */
    public ImageProgress image(String image) {
        return images.stream().filter(p -> p.image().equals(image)).findFirst().orElse(null);
    }

    /** A copy with one image's progress replaced. */
    public InstallJournal with(ImageProgress progress) {
        List<ImageProgress> list = new ArrayList<>();
        for (ImageProgress p : images) {
            list.add(p.image().equals(progress.image()) ? progress : p);
        }
        return new InstallJournal(format, bundleId, bootedSlot, bootId, resumes, list);
    }

    /** Reads the journal; empty when there is none or it cannot be understood (then the install starts over). */
    public static Optional<InstallJournal> load(DurableFile file) throws IOException {
        Optional<byte[]> bytes = file.read();
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            InstallJournal j = JSON.readValue(bytes.get(), InstallJournal.class);
            if (j.format() != FORMAT || j.bundleId() == null || j.images() == null) {
                return Optional.empty();
            }
            return Optional.of(j);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void store(DurableFile file) throws IOException {
        file.replace(JSON.writeValueAsBytes(this));
    }
}
