package dev.tandem.agent.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feed's checks with a real development PKI and real CMS signatures: each refusal names its reason. */
class FeedVerifierTest {

    static final String ID = "a".repeat(64);
    /** Inside the development PKI's validity, which starts an hour before the test run. */
    static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @TempDir
    static Path dir;
    static Keyring keyring;
    static SigningKey signer;
    static SigningKey foreign;

    @BeforeAll
    static void pki() throws IOException {
        DevCa.create(dir.resolve("pki"), DevCa.KeyType.EC_P256);
        DevCa.create(dir.resolve("foreign"), DevCa.KeyType.EC_P256);
        keyring = Keyring.load(dir.resolve("pki/keyring.pem"));
        signer = SigningKey.load(dir.resolve("pki/signer.pem"), dir.resolve("pki/signer.key").toString());
        foreign = SigningKey.load(dir.resolve("foreign/signer.pem"), dir.resolve("foreign/signer.key").toString());
    }

    static Feed feed(String channel, Instant issued, Instant expires) {
        return new Feed(channel, issued, expires, List.of(new FeedEntry("dev", "2.0.0", 1, ID, 1000,
                "rootfs-2.0.0.tandem", 10, "1.5.0")));
    }

    static FeedVerifier verifier() {
        return new FeedVerifier(keyring, new TrustPolicy(NOW, null, true, 1, List.of()));
    }

    @Test
    void aSignedCurrentFeedIsAcceptedAndReadBack() throws Exception {
        Feed f = feed("stable", NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)));
        byte[] json = FeedJson.write(f);
        Feed read = verifier().verify(json, CmsSigner.sign(json, List.of(signer)), "stable", NOW.minusSeconds(60));
        assertThat(read).isEqualTo(f);
    }

    @Test
    void aTamperedFeedIsRefusedForItsSignature() {
        byte[] json = FeedJson.write(feed("stable", NOW, NOW.plus(Duration.ofDays(7))));
        byte[] sig = CmsSigner.sign(json, List.of(signer));
        byte[] tampered = new String(json, StandardCharsets.UTF_8).replace("\"phased\" : 10", "\"phased\" : 100")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(tampered).isNotEqualTo(json);
        assertThatThrownBy(() -> verifier().verify(tampered, sig, "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.SIGNATURE))
                .hasMessageStartingWith("feed signature refused: ");
    }

    @Test
    void aFeedSignedByAnUntrustedKeyIsRefused() {
        byte[] json = FeedJson.write(feed("stable", NOW, NOW.plus(Duration.ofDays(7))));
        assertThatThrownBy(() -> verifier().verify(json, CmsSigner.sign(json, List.of(foreign)), "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.SIGNATURE));
    }

    @Test
    void anExpiredFeedIsRefusedWithItsDate() {
        byte[] json = FeedJson.write(feed("stable", NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(1))));
        assertThatThrownBy(() -> verifier().verify(json, CmsSigner.sign(json, List.of(signer)), "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.EXPIRED))
                .hasMessageContaining("feed expired on " + NOW.minus(Duration.ofDays(1)));
    }

    @Test
    void expiryIsJudgedAtTheTimeFloorWhenTheClockIsBehindIt() {
        // A device whose clock was reset to 2020 still knows (time floor) that this feed is stale.
        byte[] json = FeedJson.write(feed("stable", NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(1))));
        FeedVerifier v = new FeedVerifier(keyring, new TrustPolicy(Instant.parse("2020-01-01T00:00:00Z"), NOW,
                false, 1, List.of()));
        assertThatThrownBy(() -> v.verify(json, CmsSigner.sign(json, List.of(signer)), "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.EXPIRED));
    }

    @Test
    void aFeedOlderThanTheLastOneSeenIsRefusedAsFreezeOrReplay() {
        byte[] old = FeedJson.write(feed("stable", NOW.minus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(5))));
        assertThatThrownBy(() -> verifier().verify(old, CmsSigner.sign(old, List.of(signer)), "stable",
                NOW.minus(Duration.ofDays(1))))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.REPLAYED))
                .hasMessageContaining("freeze or replay");
    }

    @Test
    void anotherChannelsFeedIsRefused() {
        byte[] json = FeedJson.write(feed("beta", NOW, NOW.plus(Duration.ofDays(7))));
        assertThatThrownBy(() -> verifier().verify(json, CmsSigner.sign(json, List.of(signer)), "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.CHANNEL));
    }

    @Test
    void oversizedFeedsAndSignaturesAreRefusedBeforeAnyParsing() {
        assertThatThrownBy(() -> verifier().verify(new byte[FeedJson.MAX_FEED_BYTES + 1], new byte[10], "stable",
                null)).isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                .isEqualTo(FeedException.Kind.TOO_LARGE));
        assertThatThrownBy(() -> verifier().verify(new byte[10], new byte[FeedJson.MAX_SIGNATURE_BYTES + 1],
                "stable", null)).isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                .isEqualTo(FeedException.Kind.TOO_LARGE));
    }

    @Test
    void garbageAsSignatureIsOneLineRefusal() {
        byte[] json = FeedJson.write(feed("stable", NOW, NOW.plus(Duration.ofDays(7))));
        assertThatThrownBy(() -> verifier().verify(json, "not DER\n at all".getBytes(StandardCharsets.UTF_8),
                "stable", null)).isInstanceOfSatisfying(FeedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(FeedException.Kind.SIGNATURE);
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void signedButMalformedFeedsAreRefusedWithOneLine() {
        String[] bad = {
            "[" .repeat(100) + "]".repeat(100),
            "{\"format\": 1, \"channel\": \"stable\"}",
            "{\"format\": 2, \"channel\": \"stable\", \"issued\": \"2026-12-07T06:00:00Z\","
                    + " \"expires\": \"2027-12-07T06:00:00Z\", \"bundles\": []}",
            "{\"format\": 1, \"channel\": \"stable\", \"issued\": \"2026-12-07T06:00:00Z\","
                    + " \"expires\": \"2027-12-07T06:00:00Z\", \"bundles\": [{\"compatible\": \"dev\","
                    + " \"version\": \"2.0.0\", \"security-version\": 0, \"bundle-id\": \"../../etc\","
                    + " \"size\": 1, \"url\": \"x\"}]}",
            "{\"format\": 1, \"channel\": \"stable\", \"issued\": \"2026-12-07T06:00:00Z\","
                    + " \"expires\": \"2027-12-07T06:00:00Z\", \"bundles\": [{\"compatible\": \"dev\","
                    + " \"version\": \"2.0.0\", \"security-version\": 0, \"bundle-id\": \"" + ID + "\","
                    + " \"size\": 1, \"url\": \"x\", \"phased\": 101}]}",
        };
        for (String s : bad) {
            byte[] json = s.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> verifier().verify(json, CmsSigner.sign(json, List.of(signer)), "stable", null))
                    .as(s).isInstanceOfSatisfying(FeedException.class, e -> {
                        assertThat(e.kind()).isEqualTo(FeedException.Kind.MALFORMED);
                        assertThat(e.getMessage()).startsWith("malformed feed: ").doesNotContain("\n");
                    });
        }
    }

    @Test
    void tooManyEntriesAreRefused() {
        List<FeedEntry> many = new java.util.ArrayList<>();
        for (int i = 0; i <= FeedJson.MAX_ENTRIES; i++) {
            many.add(new FeedEntry("dev", "1.0." + i, 0, ID, 1, "x", null, null));
        }
        byte[] json = FeedJson.write(new Feed("stable", NOW, NOW.plus(Duration.ofDays(1)), many));
        assertThatThrownBy(() -> verifier().verify(json, CmsSigner.sign(json, List.of(signer)), "stable", null))
                .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                        .isEqualTo(FeedException.Kind.TOO_LARGE));
    }
}
