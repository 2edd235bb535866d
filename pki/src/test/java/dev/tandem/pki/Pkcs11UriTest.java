package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Pkcs11UriTest {

    @Test
    void parsesPathAndQueryAttributesPercentDecoded() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=my%20token;object=signer;id=%01%ff;type=private"
                + "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234");
        assertThat(uri.path()).containsEntry("token", "my token").containsEntry("object", "signer");
        assertThat(uri.id()).containsExactly(0x01, 0xff);
        assertThat(uri.query()).containsEntry("module-path", "/usr/lib/softhsm/libsofthsm2.so")
                .containsEntry("pin-value", "1234");
    }

    @Test
    void hidesThePinWhenShown() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:object=a?pin-value=secret&module-path=/m.so");
        assertThat(uri.redacted()).isEqualTo("pkcs11:object=a?pin-value=***&module-path=/m.so");
        assertThat(uri.toString()).doesNotContain("secret");
    }

    @Test
    void refusesUnknownRepeatedAndMalformedAttributes() {
        assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:tokn=x")).hasMessageContaining("unsupported path attribute");
        assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:token=a;token=b")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:id=%zz")).hasMessageContaining("percent-encoding");
        assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=a;type=cert")).hasMessageContaining("private key");
    }
}
