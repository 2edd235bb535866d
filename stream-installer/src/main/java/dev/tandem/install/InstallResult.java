package dev.tandem.install;

import java.time.Duration;
import java.util.List;

/**
 * What an install did.
 *
 * @param bundleId   SHA-256 of the manifest
 * @param version    the bundle's version
 * @param images     per image: where it went and how
 * @param activated  try-once set (false with --no-activate)
 * @param resumed    continued an interrupted install
 * @param downloaded bytes read from the source, index and hints included
 * @param reused     image bytes taken from the device
 * @param written    bytes written to targets
 * @param elapsed    wall time
 */
public record InstallResult(String bundleId, String version, List<ImageResult> images, boolean activated,
                            boolean resumed, long downloaded, long reused, long written, Duration elapsed) {

    /** One image's outcome. */
    public record ImageResult(String image, String slot, long size, String sha256, long written, long reused,
                              long zeroed) {
    }
}
