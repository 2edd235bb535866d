package dev.tandem.pki;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM files. Writing never replaces an existing file, and private keys are created with
 * mode 0600 from the start (not chmod-ed afterwards, which would leave a window where others can read them).
 */
final class Pem {

    private Pem() {
    }

    /** Every PEM object in {@code file}, as Bouncy Castle parses it; text outside PEM blocks is ignored. */
    static List<Object> read(Path file, String what) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(in)) {
            List<Object> objects = new ArrayList<>();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
            return objects;
        } catch (NoSuchFileException e) {
            throw new KeyMaterialException(what + " " + file + ": no such file");
        } catch (IOException | RuntimeException e) {
            // PEMParser reports bad base64 or bad DER inside a block as IOException or unchecked exceptions.
            throw new KeyMaterialException(what + " " + file + ": not a readable PEM file (" + oneLine(e) + ")", e);
        }
    }

    /** The certificates among {@code objects}, in file order. */
    static List<X509Certificate> certificates(List<Object> objects, Path file, String what) {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects) {
            if (o instanceof X509CertificateHolder holder) {
                certs.add(toCertificate(holder, file, what));
            }
        }
        return certs;
    }

    /**
     * The JDK's own key factory for each key type it has. Bouncy Castle's converter asks for an EC key factory
     * named "ECDSA" first, which no JDK provider has: the search loads every configured provider, and for the ones
     * this runtime leaves out, the JDK instantiates every provider on the class path to compare names, Bouncy
     * Castle's among them (0.26 s of `bundle create`'s start).
     */
    private static final Map<ASN1ObjectIdentifier, String> JDK_KEY_FACTORIES = Map.of(
            X9ObjectIdentifiers.id_ecPublicKey, "EC",
            PKCSObjectIdentifiers.rsaEncryption, "RSA");

    /**
     * The one private key in {@code file}: PKCS#8 ("PRIVATE KEY") or traditional OpenSSL ("EC PRIVATE KEY",
     * "RSA PRIVATE KEY"). Encrypted keys are refused: tandem has no passphrase prompt, and a key for
     * unattended signing belongs in a PKCS#11 token rather than behind a passphrase in a script.
     */
    static PrivateKey privateKey(Path file) {
        List<PrivateKeyInfo> keys = new ArrayList<>();
        for (Object o : read(file, "private key")) {
            if (o instanceof PrivateKeyInfo info) {
                keys.add(info);
            } else if (o instanceof PEMKeyPair pair) {
                keys.add(pair.getPrivateKeyInfo());
            } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                throw new KeyMaterialException("private key " + file
                        + ": is encrypted; tandem reads unencrypted PEM keys or pkcs11: URIs");
            }
        }
        if (keys.size() != 1) {
            throw new KeyMaterialException("private key " + file + ": "
                    + (keys.isEmpty() ? "no private key in the file" : "more than one private key in the file"));
        }
        PrivateKeyInfo info = keys.get(0);
        try {
            String jdkName = JDK_KEY_FACTORIES.get(info.getPrivateKeyAlgorithm().getAlgorithm());
            if (jdkName != null) {
                return KeyFactory.getInstance(jdkName).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
            }
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new KeyMaterialException("private key " + file + ": unusable key (" + oneLine(e) + ")", e);
        }
    }

    static X509Certificate toCertificate(X509CertificateHolder holder, Path file, String what) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new KeyMaterialException(what + " " + file + ": unreadable certificate (" + oneLine(e) + ")", e);
        }
    }

    /** PEM text of certificates, CRLs or other objects Bouncy Castle can encode, after optional comment lines. */
    static String encode(List<String> comments, List<?> objects) {
        StringWriter text = new StringWriter();
        for (String comment : comments) {
            text.append("# ").append(comment).append('\n');
        }
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            for (Object o : objects) {
                // A PrivateKey on its own would be written in the traditional OpenSSL format; PKCS#8 is
                // what every tool reads and what the design promises.
                pem.writeObject(o instanceof PrivateKey key ? new JcaPKCS8Generator(key, null) : o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding into memory failed", e);
        }
        return text.toString();
    }

    /** Creates {@code file} with {@code text}; fails if it exists. Secret files get mode 0600 at creation. */
    static void writeNew(Path file, String text, boolean secret) {
        try {
            // The file system's views, not the file store's: finding the store reads the mount table, which has no
            // entry for the root inside a chroot (image builders), so key generation failed there.
            if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(text);
            }
        } catch (FileAlreadyExistsException e) {
            throw new KeyMaterialException(file + ": already exists, refusing to overwrite it");
        } catch (IOException e) {
            throw new KeyMaterialException(file + ": cannot write (" + oneLine(e) + ")", e);
        }
    }

    /** An exception's message on one line, for messages that name a file and then the problem. */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
