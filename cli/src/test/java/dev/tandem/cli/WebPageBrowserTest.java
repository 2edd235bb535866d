package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.install.TestDevice;
import dev.tandem.web.Chromium;
import dev.tandem.web.WebFixture;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web install page in a real headless Chromium (Debian's chromium, driven over the DevTools protocol): a
 * user enters the token, picks a bundle and installs it; the slots are then checked with {@code tandem status}.
 * Screenshots of each state go to {@code cli/target/web-screenshots/}. Skipped, with the reason, without chromium.
 */
@Tag("browser")
class WebPageBrowserTest {

    private static final Path SHOTS = Path.of("target", "web-screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private WebFixture web;
    private Chromium browser;

    @BeforeEach
    void start() throws Exception {
        browser = Chromium.launch(dir);
        web = WebFixture.start(dir, 16L << 20, Duration.ofSeconds(30), s -> s);
        browser.open(web.base() + "/");
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (web != null) {
            web.close();
        }
    }

    private void connect(String token) throws Exception {
        browser.eval("document.getElementById('token').value = " + JSON.writeValueAsString(token)
                + "; document.getElementById('connect').click(); true");
    }

    private String text(String id) throws Exception {
        return browser.eval("document.getElementById('" + id + "').textContent").asText();
    }

    private String install(Path bundle) throws Exception {
        browser.setFile("#bundle", bundle);
        browser.eval("document.body.dataset.outcome = ''; document.getElementById('install').click(); true");
        return browser.waitUntil("document.body.dataset.outcome || ''",
                v -> v.asText().equals("installed") || v.asText().equals("failed"), Duration.ofSeconds(120)).asText();
    }

    /** Slot B as {@code tandem status --json} reports it. */
    private JsonNode statusOfB() throws Exception {
        CliRunner.Result r = CliRunner.run("--config", web.device.configFile.toString(), "status", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        for (JsonNode s : JSON.readTree(r.out()).get("slots")) {
            if (s.get("name").asText().equals(TestDevice.SLOT_B)) {
                return s;
            }
        }
        throw new AssertionError("no slot " + TestDevice.SLOT_B + " in\n" + r.out());
    }

    private Path bundle(String version, long seed) throws Exception {
        Path image = TestDevice.randomImage(dir.resolve("v" + version + ".img"), 6 << 20, seed);
        return web.device.bundle(version, image, dir.resolve("app-" + version + ".tandem"));
    }

    @Test
    void withoutTheTokenThePageIsRefused() throws Exception {
        String before = statusOfB().get("state").asText();
        connect("");
        browser.waitUntil("document.getElementById('auth-message').textContent",
                v -> v.asText().startsWith("refused"), Duration.ofSeconds(30));
        assertThat(text("auth-message")).contains("401");
        assertThat(browser.eval("document.getElementById('install').disabled").asBoolean()).isTrue();
        connect("not-the-token-0123456789");
        browser.waitUntil("document.getElementById('auth-message').textContent",
                v -> v.asText().contains("wrong token"), Duration.ofSeconds(30));
        // The page's own script, without the header, cannot start an install either.
        int status = browser.eval("fetch('/api/install', {method: 'POST', headers: {'X-Tandem-Request': '1'},"
                + " body: new Uint8Array(1024)}).then(r => r.status)").asInt();
        assertThat(status).isEqualTo(401);
        browser.screenshot(SHOTS.resolve("refused-without-token.png"));
        assertThat(statusOfB().get("state").asText()).isEqualTo(before);
    }

    @Test
    void aGoodBundleIsInstalledAndActivatedAndTheRebootButtonReboots() throws Exception {
        connect(WebFixture.TOKEN);
        browser.waitUntil("document.getElementById('auth-message').textContent", v -> v.asText().equals("connected"),
                Duration.ofSeconds(30));
        browser.screenshot(SHOTS.resolve("connected.png"));
        assertThat(install(bundle("2.0.0", 11))).isEqualTo("installed");
        assertThat(text("result")).contains("Verified and installed: version 2.0.0");
        browser.waitUntil("document.querySelector('tr[data-slot=\"rootfs.1\"] .state').textContent",
                v -> v.asText().equals("pending"), Duration.ofSeconds(30));
        browser.screenshot(SHOTS.resolve("installed.png"));

        JsonNode b = statusOfB();
        assertThat(b.get("state").asText()).isEqualTo("pending");
        assertThat(b.get("version").asText()).isEqualTo("2.0.0");
        assertThat(b.get("bootloader").get("bootable").asBoolean()).isTrue();
        assertThat(web.device.slotHolds(web.device.slotB, dir.resolve("v2.0.0.img"))).isTrue();

        assertThat(browser.eval("document.getElementById('reboot').hidden").asBoolean()).isFalse();
        browser.eval("document.getElementById('reboot').click(); true");
        browser.waitUntil("document.body.dataset.outcome", v -> v.asText().equals("rebooting"), Duration.ofSeconds(30));
        browser.screenshot(SHOTS.resolve("rebooting.png"));
        assertThat(web.reboots.get()).isEqualTo(1);
    }

    @Test
    void aTamperedBundleIsRefusedAndTheSlotLeftBad() throws Exception {
        Path bundle = bundle("2.0.0", 12);
        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 60);
        TestDevice.flipByte(bundle, c.offset() + 100);
        connect(WebFixture.TOKEN);
        browser.waitUntil("document.getElementById('auth-message').textContent", v -> v.asText().equals("connected"),
                Duration.ofSeconds(30));
        assertThat(install(bundle)).isEqualTo("failed");
        assertThat(text("result")).startsWith("Refused: ").contains("chunk");
        browser.waitUntil("document.querySelector('tr[data-slot=\"rootfs.1\"] .state').textContent",
                v -> v.asText().equals("bad"), Duration.ofSeconds(30));
        assertThat(browser.eval("document.getElementById('reboot').hidden").asBoolean()).isTrue();
        browser.screenshot(SHOTS.resolve("refused-tampered.png"));

        JsonNode b = statusOfB();
        assertThat(b.get("state").asText()).isEqualTo("bad");
        assertThat(b.get("bootloader").get("bootable").asBoolean()).isFalse();
        assertThat(b.get("last-failure").asText()).contains("web install failed");

        // A file larger than the slots can take is refused by the page before a byte is sent.
        Path huge = dir.resolve("huge.tandem");
        TestDevice.makeSlotFile(huge, 64L << 20);
        assertThat(install(huge)).isEqualTo("failed");
        assertThat(text("result")).contains("larger than the target slots can take");
        browser.screenshot(SHOTS.resolve("refused-too-large.png"));
        assertThat(statusOfB().get("last-failure").asText()).contains("chunk 60"); // no new install started
    }
}
