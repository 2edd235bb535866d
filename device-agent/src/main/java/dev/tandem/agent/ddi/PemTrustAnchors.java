package dev.tandem.agent.ddi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The trust anchors of a PEM file ({@code [agent] ca-file}) as a TLS context: the server's certificate must chain
 * to one of them, and its name is checked as usual. Only the given anchors count, not the JDK's, so a device that
 * names its fleet CA trusts nothing else.
 */
public final class PemTrustAnchors {

    private PemTrustAnchors() {
    }

    /**
     * Reads every certificate of {@code pem}.
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static SSLContext sslContext(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IOException("ca-file " + pem + ": no certificate in it");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("anchor-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("ca-file " + pem + ": " + e.getMessage(), e);
        }
    }
}
