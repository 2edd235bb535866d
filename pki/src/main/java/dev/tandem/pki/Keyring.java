package dev.tandem.pki;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;

/**
 * The device's trust anchors: a PEM file of X.509 certificates (trust anchors) and, optionally, CRLs.
 * A CRL is authoritative for its issuer; issuers without a CRL are not revocation-checked (ARCHITECTURE.md §3).
 *
 * <p>Loading is strict, because a keyring that does not mean what its author thinks is a configuration
 * error to report now, not a surprise at the next install: it must hold at least one certificate; anything
 * other than certificates and CRLs (a private key pasted in by mistake) is refused; every CRL must be
 * signed by a certificate in the keyring with the CRL's issuer name (a CRL nobody can authenticate is
 * refused, not ignored); and CRLs with critical extensions (delta, partitioned or indirect CRLs) are
 * refused, since "authoritative for its issuer" would not hold for them.
 *
 * <p>A CRL past its nextUpdate is still applied, never refused: a device learns of new CRLs only through
 * updates, so refusing a stale one would block the very update that brings the fresh one, while its
 * revocations stay true. Immutable and thread-safe.
 */
public final class Keyring {

    /** A CRL and the anchor whose key verified its signature. */
    private record AuthenticatedCrl(X509CRL crl, X509Certificate issuer) {
    }

    private final List<X509Certificate> anchors;
    private final List<AuthenticatedCrl> crls;

    private Keyring(List<X509Certificate> anchors, List<AuthenticatedCrl> crls) {
        this.anchors = List.copyOf(anchors);
        this.crls = List.copyOf(crls);
    }

    /** Loads a PEM keyring; {@link KeyMaterialException} names the file and the problem. */
    public static Keyring load(Path pemFile) {
        List<X509Certificate> certs = new ArrayList<>();
        List<X509CRL> crls = new ArrayList<>();
        for (Object o : Pem.read(pemFile, "keyring")) {
            if (o instanceof X509CertificateHolder holder) {
                certs.add(Pem.toCertificate(holder, pemFile, "keyring"));
            } else if (o instanceof X509CRLHolder holder) {
                try {
                    crls.add(new JcaX509CRLConverter().getCRL(holder));
                } catch (CRLException e) {
                    throw new KeyMaterialException("keyring " + pemFile + ": unreadable CRL (" + Pem.oneLine(e) + ")", e);
                }
            } else {
                throw new KeyMaterialException("keyring " + pemFile + ": contains a " + o.getClass().getSimpleName()
                        + "; a keyring holds only certificates and CRLs");
            }
        }
        return build(certs, crls, "keyring " + pemFile);
    }

    /** A keyring from objects in memory, checked like a loaded one. */
    public static Keyring of(List<X509Certificate> anchors, List<X509CRL> crls) {
        return build(anchors, crls, "keyring");
    }

    private static Keyring build(List<X509Certificate> anchors, List<X509CRL> crls, String what) {
        if (anchors.isEmpty()) {
            throw new KeyMaterialException(what + ": no certificates; a keyring needs at least one trust anchor");
        }
        List<AuthenticatedCrl> authenticated = new ArrayList<>();
        for (X509CRL crl : crls) {
            authenticated.add(authenticate(crl, anchors, what));
        }
        return new Keyring(anchors, authenticated);
    }

    private static AuthenticatedCrl authenticate(X509CRL crl, List<X509Certificate> anchors, String what) {
        String name = "CRL issued by \"" + crl.getIssuerX500Principal().getName() + "\"";
        Set<String> critical = crl.getCriticalExtensionOIDs();
        if (critical != null && !critical.isEmpty()) {
            throw new KeyMaterialException(what + ": " + name + " has critical extensions " + critical
                    + " (delta, partitioned or indirect CRLs are not supported)");
        }
        if (crl.getRevokedCertificates() != null) {
            for (X509CRLEntry entry : crl.getRevokedCertificates()) {
                if (entry.hasUnsupportedCriticalExtension()) {
                    throw new KeyMaterialException(what + ": " + name + " has an entry with a critical extension"
                            + " (indirect CRLs are not supported)");
                }
            }
        }
        for (X509Certificate anchor : anchors) {
            if (!anchor.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                continue;
            }
            try {
                crl.verify(anchor.getPublicKey());
            } catch (GeneralSecurityException wrongKey) {
                continue; // another anchor may share the name (a re-keyed CA)
            }
            boolean[] usage = anchor.getKeyUsage();
            if (usage != null && !usage[6]) {
                throw new KeyMaterialException(what + ": " + name + " is signed by a certificate without the"
                        + " cRLSign key usage");
            }
            return new AuthenticatedCrl(crl, anchor);
        }
        throw new KeyMaterialException(what + ": " + name + " cannot be authenticated: no certificate in the"
                + " keyring with that subject verifies its signature");
    }

    public List<X509Certificate> anchors() {
        return anchors;
    }

    public List<X509CRL> crls() {
        return crls.stream().map(AuthenticatedCrl::crl).toList();
    }

    /**
     * The CRLs that are authoritative for certificates issued by {@code issuer}: those verified at load
     * with a key equal to {@code issuer}'s and naming it as their issuer.
     */
    List<X509CRL> crlsIssuedBy(X509Certificate issuer) {
        List<X509CRL> result = new ArrayList<>();
        for (AuthenticatedCrl c : crls) {
            if (c.issuer().getSubjectX500Principal().equals(issuer.getSubjectX500Principal())
                    && c.issuer().getPublicKey().equals(issuer.getPublicKey())) {
                result.add(c.crl());
            }
        }
        return result;
    }
}
