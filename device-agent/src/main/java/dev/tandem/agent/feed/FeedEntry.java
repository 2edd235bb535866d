package dev.tandem.agent.feed;

/**
 * One bundle a feed offers (device-agent/FEED.md). Every field but {@code url}, {@code phased} and
 * {@code minVersion} is a fact of the bundle itself, which {@code tandem feed publish} reads from the signed
 * bundle; the installer checks the bundle again, and the agent checks that what it installed has this id.
 *
 * @param compatible      the bundle's {@code compatible}
 * @param version         its version (SemVer)
 * @param securityVersion its {@code security-version}
 * @param bundleId        its id: SHA-256 of the manifest, 64 lower-case hex digits
 * @param size            its size in bytes
 * @param url             where it is: absolute, or relative to the feed's URL
 * @param phased          percentage of devices (0 to 100) that take it; null for all
 * @param minVersion      the oldest version that may update straight to it; null for any
 */
public record FeedEntry(String compatible, String version, long securityVersion, String bundleId, long size,
                        String url, Integer phased, String minVersion) {
}
