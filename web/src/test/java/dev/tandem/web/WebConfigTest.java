package dev.tandem.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.install.TestDevice;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.config.SystemConfig;
import dev.tandem.slot.config.WebConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [web]} in system.toml: off by default; when on, HTTPS and a credential are required. */
class WebConfigTest {

    @TempDir
    Path dir;

    private SystemConfig config(String web) throws IOException {
        return TestDevice.create(dir.resolve("d" + System.nanoTime()), 1 << 20, web).config();
    }

    @Test
    void offUnlessEnabled() throws Exception {
        assertThat(config("").web().enabled()).isFalse();
        assertThat(config("\n[web]\nport = 9443\n").web().enabled()).isFalse();
    }

    @Test
    void enabledNeedsTlsAndACredential() throws Exception {
        assertThatThrownBy(() -> config("\n[web]\nenabled = true\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls-cert");
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        WebFixture.selfSignedCertificate(cert, key);
        String tls = "\n[web]\nenabled = true\ntls-cert = \"" + cert + "\"\ntls-key = \"" + key + "\"\n";
        assertThatThrownBy(() -> config(tls)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("token-file or client-ca");
        assertThatThrownBy(() -> config(tls + "tokn-file = \"x\"\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokn-file");

        Path token = dir.resolve("token");
        Files.writeString(token, "short\n");
        WebConfig web = config(tls + "token-file = \"" + token + "\"\nbind-address = \"127.0.0.1\"\nport = 9443\n"
                + "idle-timeout = \"10s\"\n").web();
        assertThat(web.enabled()).isTrue();
        assertThat(web.port()).isEqualTo(9443);
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> WebOptions.of(web)).hasMessageContaining("at least 16 characters");
        Files.writeString(token, "0123456789abcdef0123\n");
        assertThat(WebOptions.of(web).token()).isEqualTo("0123456789abcdef0123");
    }
}
