package dev.tandem.slot.policy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the slot manager judges of a bundle, taken from its verified manifest by the installer: the slot manager
 * never reads bundles itself (ARCHITECTURE.md §2).
 *
 * @param bundleId        SHA-256 (hex) of the manifest bytes
 * @param compatible      the manifest's {@code compatible}
 * @param version         the manifest's {@code version} (SemVer 2.0)
 * @param securityVersion the manifest's {@code security-version}
 * @param created         the manifest's {@code created}
 * @param images          its images, in manifest order
 */
public record Candidate(String bundleId, String compatible, String version, long securityVersion, Instant created,
                        List<CandidateImage> images) {

    public Candidate {
        Objects.requireNonNull(bundleId, "bundleId");
        Objects.requireNonNull(compatible, "compatible");
        Objects.requireNonNull(version, "version");
        images = List.copyOf(images);
    }
}
