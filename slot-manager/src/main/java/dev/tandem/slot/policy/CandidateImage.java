package dev.tandem.slot.policy;

import java.util.Objects;

/**
 * One image of a {@link Candidate}, as its signed manifest declares it.
 *
 * @param name      the image name
 * @param slotClass the class of slot it goes to
 * @param sizeBytes the image size, which must fit the target slot
 */
public record CandidateImage(String name, String slotClass, long sizeBytes) {

    public CandidateImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(slotClass, "slotClass");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("image " + name + ": negative size " + sizeBytes);
        }
    }
}
