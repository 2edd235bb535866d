package dev.tandem.agent.standalone;

import dev.tandem.slot.policy.SemVer;
import java.nio.file.Path;

/**
 * A bundle found on removable media whose signature, compatible and version passed (its chunks are checked while
 * it installs, not before: that would read it twice).
 *
 * @param path     the file
 * @param bundleId the manifest's SHA-256
 * @param version  its version
 */
record BundleCandidate(Path path, String bundleId, SemVer version) {
}
