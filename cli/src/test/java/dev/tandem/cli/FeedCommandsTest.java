package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.feed.Feed;
import dev.tandem.agent.feed.FeedEntry;
import dev.tandem.agent.feed.FeedVerifier;
import dev.tandem.install.TestDevice;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem feed publish} and {@code tandem channel [set]} as a user runs them. */
class FeedCommandsTest {

    @TempDir
    Path dir;

    private Path bundle(Path pki, String version, long securityVersion) throws IOException {
        Path image = TestDevice.randomImage(dir.resolve("img-" + version), 200_000, version.hashCode());
        Path out = dir.resolve("rootfs-" + version + ".tandem");
        Tandem.Result r = Tandem.run("bundle", "create", "--image", "rootfs=" + image, "--compatible", "board-x",
                "--version", version, "--security-version", String.valueOf(securityVersion), "--cert",
                pki.resolve("signer.pem").toString(), "--key", pki.resolve("signer.key").toString(), "-o",
                out.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return out;
    }

    @Test
    void publishWritesASignedFeedWhoseFactsComeFromTheBundles() throws Exception {
        Path pki = dir.resolve("pki");
        assertThat(Tandem.run("pki", "dev-ca", "--out", pki.toString()).exitCode()).isZero();
        Path b15 = bundle(pki, "1.5.0", 2);
        Path b20 = bundle(pki, "2.0.0", 3);
        Path out = dir.resolve("www/stable");

        Tandem.Result r = Tandem.run("feed", "publish", "--channel", "stable", "--bundle", b15.toString(),
                "--bundle", b20 + ",min-version=1.5.0,phased=10", "--keyring", pki.resolve("keyring.pem").toString(),
                "--cert", pki.resolve("signer.pem").toString(), "--key", pki.resolve("signer.key").toString(),
                "--expires-in", "3", "-o", out.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("channel stable, 2 bundles");

        Feed feed = new FeedVerifier(Keyring.load(pki.resolve("keyring.pem")), TrustPolicy.standard())
                .verify(Files.readAllBytes(out.resolve("feed.json")), Files.readAllBytes(out.resolve("feed.json.p7s")),
                        "stable", null);
        assertThat(Duration.between(feed.issued(), feed.expires())).isEqualTo(Duration.ofDays(3));
        assertThat(feed.issued()).isBefore(Instant.now().plusSeconds(1));
        FeedEntry e = feed.bundles().get(1);
        assertThat(e.compatible()).isEqualTo("board-x");
        assertThat(e.version()).isEqualTo("2.0.0");
        assertThat(e.securityVersion()).isEqualTo(3);
        assertThat(e.size()).isEqualTo(Files.size(b20));
        assertThat(e.url()).isEqualTo("rootfs-2.0.0.tandem");
        assertThat(e.phased()).isEqualTo(10);
        assertThat(e.minVersion()).isEqualTo("1.5.0");
        Tandem.Result info = Tandem.run("bundle", "info", b20.toString());
        assertThat(info.out()).contains("bundle id:        " + e.bundleId());
        assertThat(feed.bundles().get(0).phased()).isNull();
    }

    @Test
    void publishRefusesABundleTheKeyringDoesNotTrustAndBadOptions() throws Exception {
        Path pki = dir.resolve("pki");
        Path other = dir.resolve("other");
        assertThat(Tandem.run("pki", "dev-ca", "--out", pki.toString()).exitCode()).isZero();
        assertThat(Tandem.run("pki", "dev-ca", "--out", other.toString()).exitCode()).isZero();
        Path b = bundle(other, "2.0.0", 0);
        String[] signer = {"--cert", pki.resolve("signer.pem").toString(), "--key",
                pki.resolve("signer.key").toString(), "--keyring", pki.resolve("keyring.pem").toString(), "-o",
                dir.resolve("out").toString()};

        Tandem.Result untrusted = Tandem.run(concat(new String[] {"feed", "publish", "--channel", "stable",
                "--bundle", b.toString()}, signer));
        assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(3);
        assertThat(dir.resolve("out/feed.json")).doesNotExist();

        Tandem.Result badChannel = Tandem.run(concat(new String[] {"feed", "publish", "--channel", "../etc",
                "--bundle", b.toString()}, signer));
        assertThat(badChannel.exitCode()).isEqualTo(2);
        assertThat(badChannel.err()).contains("is not a channel name");

        Tandem.Result badPhase = Tandem.run(concat(new String[] {"feed", "publish", "--channel", "stable",
                "--bundle", b + ",phased=150"}, signer));
        assertThat(badPhase.exitCode()).isEqualTo(2);
    }

    @Test
    void channelSetSwitchesTheChannelAndAllowsTheNextDowngrade() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), 1 << 20, """
                [agent]
                feed = "https://updates.example.com/os/stable/feed.json"
                """);
        String config = d.configFile.toString();

        Tandem.Result show = Tandem.run("--config", config, "channel");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.out()).contains("channel stable (https://updates.example.com/os/stable/feed.json)");

        Tandem.Result set = Tandem.run("--config", config, "channel", "set", "beta");
        assertThat(set.exitCode()).as(set.toString()).isZero();
        assertThat(set.out()).contains("channel beta (was stable)").contains("https://updates.example.com/os/beta/feed.json");
        assertThat(Files.readString(d.dataDir.resolve("agent/feed-channel"))).isEqualTo("beta\nmay-downgrade\n");
        assertThat(Tandem.run("--config", config, "channel").out()).contains("channel beta")
                .contains("the next update may be a lower version");

        Tandem.Result bad = Tandem.run("--config", config, "channel", "set", "Beta/../x");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("is not a channel name");
    }

    @Test
    void statusShowsTheFeedAgentsLastOutcome() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), 1 << 20, "");
        String config = d.configFile.toString();
        assertThat(Tandem.run("--config", config, "status").out()).doesNotContain("feed update:");
        Files.createDirectories(d.dataDir.resolve("agent"));
        Files.writeString(d.dataDir.resolve("agent").resolve(dev.tandem.agent.feed.FeedAgent.STATUS),
                "2026-12-07T06:00:00Z failure: 2.0.0 (bundle 0123456789ab): fell back to rootfs.0\u001b[2J\nmore\n");

        Tandem.Result text = Tandem.run("--config", config, "status");
        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("feed update: 2026-12-07T06:00:00Z failure: 2.0.0 (bundle 0123456789ab):"
                + " fell back to rootfs.0?[2J").doesNotContain("more");
        Tandem.Result json = Tandem.run("--config", config, "status", "--json");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("feed-update")
                .asText()).startsWith("2026-12-07T06:00:00Z failure: 2.0.0");
    }

    @Test
    void channelWithoutFeedModeIsAConfigurationError() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), 1 << 20, "");
        Tandem.Result r = Tandem.run("--config", d.configFile.toString(), "channel", "set", "beta");
        assertThat(r.exitCode()).isEqualTo(6);
        assertThat(r.err()).contains("feed is not set");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
