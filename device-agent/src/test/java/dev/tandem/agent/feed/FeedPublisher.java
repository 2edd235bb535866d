package dev.tandem.agent.feed;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What {@code tandem feed publish} does, for the agent's tests (the cli module depends on this one, not the other
 * way): entries from real bundles, feed.json and its real CMS signature.
 */
final class FeedPublisher {

    private FeedPublisher() {
    }

    /** The entry of {@code bundle}: its facts read from it. */
    static FeedEntry entry(Path bundle, String url, Integer phased, String minVersion) throws IOException {
        try (BundleSource s = FileSource.open(bundle);
             BundleReader r = BundleReader.open(s, ManifestVerifier.unverified(), null)) {
            return new FeedEntry(r.manifest().compatible(), r.manifest().version(), r.manifest().securityVersion(),
                    r.bundleId(), Files.size(bundle), url, phased, minVersion);
        }
    }

    /** Writes {@code dir}/feed.json and feed.json.p7s, signed with {@code pki}'s signer. */
    static byte[] publish(Path dir, Path pki, String channel, Instant issued, Instant expires,
                          List<FeedEntry> entries) throws IOException {
        Files.createDirectories(dir);
        byte[] json = FeedJson.write(new Feed(channel, issued, expires, entries));
        SigningKey key = SigningKey.load(pki.resolve("signer.pem"), pki.resolve("signer.key").toString());
        Files.write(dir.resolve("feed.json.p7s"), CmsSigner.sign(json, List.of(key)));
        Files.write(dir.resolve("feed.json"), json);
        return json;
    }
}
