package dev.tandem.pki;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** How certificate names appear in messages and how allowed-signer entries are matched against them. */
final class SubjectName {

    /** openssl's short names (FN_SN) for the attribute types it prints by name. */
    private static final Map<String, String> OPENSSL_NAMES = Map.ofEntries(
            Map.entry("2.5.4.3", "CN"), Map.entry("2.5.4.6", "C"), Map.entry("2.5.4.7", "L"),
            Map.entry("2.5.4.8", "ST"), Map.entry("2.5.4.10", "O"), Map.entry("2.5.4.11", "OU"),
            Map.entry("2.5.4.12", "title"), Map.entry("2.5.4.4", "SN"), Map.entry("2.5.4.5", "serialNumber"),
            Map.entry("2.5.4.9", "street"), Map.entry("2.5.4.42", "GN"), Map.entry("2.5.4.43", "initials"),
            Map.entry("2.5.4.44", "generationQualifier"), Map.entry("2.5.4.46", "dnQualifier"),
            Map.entry("2.5.4.65", "pseudonym"), Map.entry("2.5.4.41", "name"), Map.entry("2.5.4.17", "postalCode"),
            Map.entry("2.5.4.15", "businessCategory"), Map.entry("2.5.4.13", "description"),
            Map.entry("2.5.4.97", "organizationIdentifier"), Map.entry("1.2.840.113549.1.9.1", "emailAddress"),
            Map.entry("0.9.2342.19200300.100.1.25", "DC"), Map.entry("0.9.2342.19200300.100.1.1", "UID"));

    /** The same names as keywords for parsing entries (the JDK upper-cases keywords before looking them up). */
    private static final Map<String, String> OPENSSL_KEYWORDS = OPENSSL_NAMES.entrySet().stream().collect(
            Collectors.toUnmodifiableMap(e -> e.getValue().toUpperCase(Locale.ROOT), Map.Entry::getKey));

    private SubjectName() {
    }

    /**
     * The subject as an RFC 2253 string, e.g. {@code CN=acme release 2026,O=Acme}. Names come from certificates an
     * attacker may have made: control characters are hex-escaped as RFC 4514 does ({@code \0A}), so an error
     * message that names a certificate stays one line.
     */
    static String of(X509Certificate cert) {
        return printable(cert.getSubjectX500Principal().getName(X500Principal.RFC2253));
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                    out.append(String.format(Locale.ROOT, "\\%02X", b & 0xff));
                }
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** The subject in double quotes, as messages name certificates. */
    static String quoted(X509Certificate cert) {
        return '"' + of(cert) + '"';
    }

    /** The issuer in double quotes. */
    static String quotedIssuer(X509Certificate cert) {
        return '"' + printable(cert.getIssuerX500Principal().getName(X500Principal.RFC2253)) + '"';
    }

    /** Every common name (CN) value in the subject. */
    static List<String> commonNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        for (RDN rdn : subjectRdns(cert)) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (atv.getType().equals(BCStyle.CN)) {
                    // The raw string value, not IETFUtils.valueToString, which escapes ',' and '+' for DN syntax.
                    names.add(atv.getValue() instanceof ASN1String s ? s.getString() : atv.getValue().toString());
                }
            }
        }
        return names;
    }

    /**
     * The subject as {@code openssl x509 -noout -subject} prints it (without "subject="; OpenSSL 3's default
     * one-line form): RDNs in certificate order, {@code "CN = release, O = Acme"}; a value containing
     * {@code , + < > ;} or starting with '#' or a space, or ending with a space, in double quotes; '"' and
     * '\' escaped with '\'; control and non-ASCII bytes (of the UTF-8) as {@code \XX}.
     */
    static String openSsl(X509Certificate cert) {
        StringBuilder out = new StringBuilder();
        for (RDN rdn : subjectRdns(cert)) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            boolean first = true;
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (!first) {
                    out.append(" + ");
                }
                first = false;
                String oid = atv.getType().getId();
                out.append(OPENSSL_NAMES.getOrDefault(oid, oid)).append(" = ").append(openSslValue(atv));
            }
        }
        return out.toString();
    }

    private static String openSslValue(AttributeTypeAndValue atv) {
        if (!(atv.getValue() instanceof ASN1String s)) {
            try {
                return "#" + HexFormat.of().withUpperCase().formatHex(atv.getValue().toASN1Primitive()
                        .getEncoded(ASN1Encoding.DER));
            } catch (java.io.IOException e) {
                return "#?";
            }
        }
        byte[] bytes = s.getString().getBytes(StandardCharsets.UTF_8);
        StringBuilder value = new StringBuilder();
        boolean quote = false;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean edge = i == 0 || i == bytes.length - 1;
            if (b > 0x7e || b < 0x20) {
                value.append('\\').append(HexFormat.of().withUpperCase().toHexDigits((byte) b));
            } else if (b == '"' || b == '\\') {
                value.append('\\').append((char) b);
            } else {
                quote |= ",+<>;".indexOf(b) >= 0 || (b == '#' && i == 0) || (b == ' ' && edge);
                value.append((char) b);
            }
        }
        return quote ? "\"" + value + "\"" : value.toString();
    }

    /**
     * Whether an allowed-signers entry names this certificate.
     * <ul>
     * <li>An entry containing '=' is a distinguished name (RFC 4514/2253 syntax, read by the JDK, which also
     *     reads RFC 1779's spaces around '=' and ',' and quoted values; openssl's short names such as
     *     {@code emailAddress}, {@code GN}, {@code SN} are known). It matches a subject with exactly the same
     *     RDNs, either in the order written or reversed, because openssl prints names in certificate order
     *     ({@code O = Acme, CN = release}) and Java in RFC 2253 order ({@code CN=release,O=Acme}). Attribute
     *     types and values compare as X.500 names do: case and repeated spaces do not matter.</li>
     * <li>An entry without '=' matches a subject that has exactly one CN, equal to the entry (exactly).</li>
     * </ul>
     *
     * @throws SignatureException SIGNER_NOT_ALLOWED when an entry with '=' is not a distinguished name
     */
    static boolean matches(X509Certificate cert, String entry) {
        if (!entry.contains("=")) {
            List<String> names = commonNames(cert);
            return names.size() == 1 && names.get(0).equals(entry);
        }
        RDN[] wanted = parseDistinguishedName(entry);
        RDN[] actual = subjectRdns(cert);
        return sameRdns(wanted, actual, false) || sameRdns(wanted, actual, true);
    }

    private static RDN[] parseDistinguishedName(String entry) {
        RDN[] rdns;
        try {
            // The JDK's RFC 2253/1779 parser, which keeps a quoted or escaped leading '#' literal (Bouncy
            // Castle's reads it as hex), with openssl's short names added to its keywords.
            rdns = X500Name.getInstance(new X500Principal(entry, OPENSSL_KEYWORDS).getEncoded()).getRDNs();
        } catch (IllegalArgumentException e) {
            throw new SignatureException(SignatureException.Reason.SIGNER_NOT_ALLOWED, "signature: allowed-signers"
                    + " entry \"" + entry + "\" is not a distinguished name (" + Pem.oneLine(e) + ")", e);
        }
        return rdns;
    }

    private static boolean sameRdns(RDN[] wanted, RDN[] actual, boolean reversed) {
        if (wanted.length != actual.length) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            RDN w = wanted[reversed ? wanted.length - 1 - i : i];
            // Same attribute types with equal values, in any order inside a multi-valued RDN (a SET).
            if (!IETFUtils.rDNAreEqual(w, actual[i])) {
                return false;
            }
        }
        return true;
    }

    private static RDN[] subjectRdns(X509Certificate cert) {
        return X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs();
    }
}
