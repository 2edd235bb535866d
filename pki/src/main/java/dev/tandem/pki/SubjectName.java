package dev.tandem.pki;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** How certificate names appear in messages and how allowed-signer entries are matched against them. */
final class SubjectName {

    private SubjectName() {
    }

    /** The subject as an RFC 2253 string, e.g. {@code CN=acme release 2026,O=Acme}. */
    static String of(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** The subject in double quotes, as messages name certificates. */
    static String quoted(X509Certificate cert) {
        return '"' + of(cert) + '"';
    }

    /** The issuer in double quotes. */
    static String quotedIssuer(X509Certificate cert) {
        return '"' + cert.getIssuerX500Principal().getName(X500Principal.RFC2253) + '"';
    }

    /** Every common name (CN) value in the subject. */
    static List<String> commonNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        for (RDN rdn : name.getRDNs(BCStyle.CN)) {
            // The raw string value, not IETFUtils.valueToString, which escapes ',' and '+' for DN syntax.
            names.add(rdn.getFirst().getValue() instanceof ASN1String s
                    ? s.getString() : rdn.getFirst().getValue().toString());
        }
        return names;
    }

    /**
     * Whether an allowed-signers entry names this certificate: an entry with '=' is a distinguished name
     * compared as X.500 names (so spacing and case of attribute types do not matter), otherwise it is
     * compared exactly with each CN of the subject.
     */
    static boolean matches(X509Certificate cert, String entry) {
        if (commonNames(cert).contains(entry)) {
            return true;
        }
        if (entry.contains("=")) {
            try {
                return new X500Principal(entry).equals(cert.getSubjectX500Principal());
            } catch (IllegalArgumentException notADistinguishedName) {
                return false;
            }
        }
        return false;
    }
}
