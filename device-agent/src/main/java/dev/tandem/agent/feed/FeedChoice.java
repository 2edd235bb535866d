package dev.tandem.agent.feed;

import dev.tandem.slot.policy.SemVer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.Optional;

/**
 * Which entry of a verified feed a device takes (device-agent/FEED.md, "How a device chooses"): of the entries
 * for its {@code compatible} whose {@code min-version} its booted version reaches (so an older device is led
 * over a stepping stone) and whose phased roll-out includes it, the newest version.
 */
public final class FeedChoice {

    private FeedChoice() {
    }

    /**
     * @param booted       the booted slot's version, or null when unknown (factory-flashed): then only entries
     *                     without a min-version fit, as the device cannot show that it reaches one
     * @param controllerId this device's id, for the phased roll-out
     */
    public static Optional<FeedEntry> choose(Feed feed, String compatible, String booted, String controllerId) {
        SemVer running = booted == null ? null : SemVer.parse(booted);
        return feed.bundles().stream()
                .filter(e -> e.compatible().equals(compatible))
                .filter(e -> e.minVersion() == null
                        || running != null && running.compareTo(SemVer.parse(e.minVersion())) >= 0)
                .filter(e -> e.phased() == null || inPhase(controllerId, e.bundleId(), e.phased()))
                .max(Comparator.comparing(e -> SemVer.parse(e.version())));
    }

    /**
     * Whether a device is among the first {@code percent} % of a bundle's roll-out. The device's place is the
     * SHA-256 of its controller id and the bundle id, as a number from 0 to 9,999: the same device always decides
     * the same for a bundle, raising the percentage only adds devices, and each bundle draws a new sample (no
     * device is always first).
     */
    public static boolean inPhase(String controllerId, String bundleId, int percent) {
        return bucket(controllerId, bundleId) < percent * 100L;
    }

    static long bucket(String controllerId, String bundleId) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest((controllerId + "\n" + bundleId)
                    .getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (h[i] & 0xff);
        }
        return Long.remainderUnsigned(v, 10_000);
    }
}
