package dev.tandem.agent.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.TestDevice;
import dev.tandem.slot.state.SlotState;
import dev.tandem.agent.feed.DownloadGate;
import dev.tandem.install.http.NginxServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feed mode against a real nginx: the feed on one origin, which the device owner configured (its [http] header
 * goes there), and a bundle the feed places on another origin, which gets no credentials.
 */
class FeedNginxTest {

    @TempDir
    Path dir;

    @Test
    void aBundleOnAnotherHostThanTheFeedGetsNoCredentials() throws Exception {
        assumeTrue(NginxServer.binary() != null, "nginx is not installed (apt-get install nginx-light)");
        Path www = Files.createDirectories(dir.resolve("www"));
        // Per request: the port, the path, the status and the X-Api-Key header the client sent ("-" for none).
        try (NginxServer nginx = NginxServer.startTwoOrigins(www, dir.resolve("nginx"),
                "'$server_port $uri $status $http_x_api_key'")) {
            TestDevice d = TestDevice.create(dir.resolve("device"), """
                    [http]
                    headers = { X-Api-Key = "s3cret" }
                    [agent]
                    feed = "http://127.0.0.1:%d/stable/feed.json"
                    controller-id = "device-1"
                    feed-interval = "1s"
                    """.formatted(nginx.httpPort));
            Path channel = Files.createDirectories(www.resolve("stable"));
            Path bundles = Files.createDirectories(www.resolve("cdn"));
            Path b20 = Files.move(d.bundle("2.0.0", 1 << 20), bundles.resolve("rootfs-2.0.0.tandem"));
            Instant now = Instant.now();
            FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(1)), List.of(
                    FeedPublisher.entry(b20, "http://127.0.0.1:" + nginx.secondHttpPort + "/cdn/rootfs-2.0.0.tandem", null,
                            null)));
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger reboots = new AtomicInteger();
            FeedAgent a = FeedAgent.create(d.slots(), AgentSettings.defaults().withFastTiming(Duration.ofMillis(100)),
                    reboots::incrementAndGet, new AgentListener() {
                        @Override
                        public void line(String text) {
                            lines.add(text);
                        }
                    }, Map.of(), DownloadGate.ALWAYS);
            a.start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (reboots.get() == 0) {
                    assertThat(System.nanoTime()).as(String.join("\n", lines)).isLessThan(deadline);
                    Thread.sleep(50);
                }
            } finally {
                a.stop();
            }
            assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
            List<String> log = nginx.requests();
            assertThat(log).as("the feed's origin gets the configured header")
                    .contains(nginx.httpPort + " /stable/feed.json 206 s3cret",
                            nginx.httpPort + " /stable/feed.json.p7s 206 s3cret");
            List<String> bundleRequests = log.stream().filter(l -> l.contains("/cdn/")).toList();
            assertThat(bundleRequests).isNotEmpty()
                    .allMatch(l -> l.startsWith(nginx.secondHttpPort + " /cdn/rootfs-2.0.0.tandem ") && l.endsWith(" -"));
        }
    }
}
