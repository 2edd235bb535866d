package dev.tandem.install.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JDK TLS context for the same files {@link HttpOptions} names for downloads ({@code [http] ca-file},
 * {@code client-cert}, {@code client-key}): the device agent's DDI client talks to its server with exactly the
 * trust anchors and client certificate the downloads from that server use. With a CA file only its anchors count,
 * not the JDK's; the server's name is checked by the connection as usual.
 */
public final class PemTls {

    /** A PEM file larger than this is not a certificate or key file (and is not read whole). */
    private static final long MAX_PEM_BYTES = 1 << 20;

    private PemTls() {
    }

    /** The context for {@code options}' files; null when it names none (then the JDK's defaults apply). */
    public static SSLContext of(HttpOptions options) throws IOException {
        if (options.caFile() == null && options.clientCert() == null) {
            return null;
        }
        return sslContext(options.caFile(), options.clientCert(), options.clientKey());
    }

    /**
     * @param caFile     PEM trust anchors, or null for the JDK's
     * @param clientCert PEM certificate chain (the device's first), or null for none
     * @param clientKey  PEM PKCS#8 unencrypted key of {@code clientCert}
     * @throws IOException one line naming the file, when a file cannot be read or holds nothing usable
     */
    public static SSLContext sslContext(Path caFile, Path clientCert, Path clientKey) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile == null) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore anchors = emptyStore();
                int i = 0;
                for (Certificate c : certificates(caFile, "ca-file")) {
                    anchors.setCertificateEntry("anchor-" + i++, c);
                }
                tmf.init(anchors);
            }
            KeyManagerFactory kmf = null;
            if (clientCert != null) {
                KeyStore own = emptyStore();
                char[] none = new char[0];
                own.setKeyEntry("client", privateKey(clientKey), none,
                        certificates(clientCert, "client-cert").toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(own, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS material: " + e.getMessage(), e);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore s = KeyStore.getInstance("PKCS12");
        s.load(null, null);
        return s;
    }

    private static List<Certificate> certificates(Path pem, String key) throws IOException {
        try (InputStream in = new ByteArrayInputStream(read(pem, key))) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IOException(key + " " + pem + ": no certificate in it");
            }
            return List.copyOf(certs);
        } catch (GeneralSecurityException e) {
            throw new IOException(key + " " + pem + ": " + e.getMessage(), e);
        }
    }

    /** An unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}), as {@code [http] client-key} is documented. */
    private static PrivateKey privateKey(Path pem) throws IOException {
        String text = new String(read(pem, "client-key"), StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = text.indexOf(begin);
        int e = b < 0 ? -1 : text.indexOf(end, b);
        if (e < 0) {
            throw new IOException("client-key " + pem + ": no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) in it");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IOException("client-key " + pem + ": bad base64", x);
        }
        for (String algorithm : List.of("EC", "RSA", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // the next algorithm
            }
        }
        throw new IOException("client-key " + pem + ": not an EC, RSA or EdDSA key");
    }

    private static byte[] read(Path pem, String key) throws IOException {
        long size;
        byte[] bytes;
        try {
            size = Files.size(pem);
            bytes = size > MAX_PEM_BYTES ? null : Files.readAllBytes(pem);
        } catch (IOException e) {
            throw new IOException(key + " " + pem + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes == null) {
            throw new IOException(key + " " + pem + ": larger than " + (MAX_PEM_BYTES >> 20) + " MiB");
        }
        return bytes;
    }
}
