package dev.tandem.pki;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tandem.pki.SignatureException.Reason;

/**
 * Finds and judges the certificate chain from a signer to a keyring anchor, under a {@link TrustPolicy}.
 *
 * <p>Path building and the checks with their own {@link Reason} are done here, in a fixed order (trust,
 * algorithms, revocation, validity, key usage), so that each refusal names its reason and certificate;
 * the JDK's PKIX validator then runs over the found path as a second opinion for the rest of RFC 5280
 * (path length, name constraints, unknown critical extensions). The JDK's path builder is not used
 * because it drops expired certificates silently and reports every failure as "no path found".
 */
final class ChainValidator {

    /** Certificates below the anchor; real chains have one to three. */
    private static final int MAX_PATH_LENGTH = 8;
    private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final Keyring keyring;
    private final TrustPolicy policy;

    ChainValidator(Keyring keyring, TrustPolicy policy) {
        this.keyring = keyring;
        this.policy = policy;
    }

    /** Instant at which certificates are judged: max(now, time floor). */
    Instant checkTime() {
        return policy.checkTime();
    }

    /**
     * @param embedded certificates embedded in the signature (untrusted; any may be used as intermediates)
     * @param budget   the work this signature may still cause (shared by its SignerInfos)
     * @throws SignatureException when the chain does not satisfy the policy
     */
    void validate(X509Certificate signer, Collection<X509Certificate> embedded, ChainBudget budget) {
        String who = "signature: signer " + SubjectName.quoted(signer);
        Search search = new Search(embedded, budget);
        List<X509Certificate> path = new ArrayList<>();
        X509Certificate anchor = search.find(signer, path);
        if (anchor == null) {
            throw new SignatureException(Reason.NOT_TRUSTED, who + " is not trusted by the keyring ("
                    + search.deadEnd() + ")");
        }
        checkAlgorithms(who, path, anchor);
        checkRevocation(who, path, anchor);
        checkValidity(who, path, anchor);
        checkUsage(who, path);
        checkPkix(who, path, anchor);
    }

    /**
     * Breadth-first search from the signer towards an anchor. Each certificate is entered at most once
     * (at its smallest depth), so certificates already on a path or already proven a dead end are never
     * tried again: the work is at most (embedded + anchors) candidate checks per certificate, and the
     * shortest path is found. Remembers the deepest certificate that led nowhere, to say why.
     */
    private final class Search {
        private final Collection<X509Certificate> embedded;
        private final ChainBudget budget;
        private X509Certificate deadEnd;
        private int deadEndDepth;

        Search(Collection<X509Certificate> embedded, ChainBudget budget) {
            this.embedded = embedded;
            this.budget = budget;
        }

        /** Fills {@code path} (signer first) up to an anchor and returns the anchor; null when there is none. */
        X509Certificate find(X509Certificate signer, List<X509Certificate> path) {
            Map<X509Certificate, X509Certificate> issuedBy = new HashMap<>(); // reached certificate -> the one it issued
            Map<X509Certificate, Integer> depth = new HashMap<>();
            Deque<X509Certificate> queue = new ArrayDeque<>();
            depth.put(signer, 1);
            queue.add(signer);
            while (!queue.isEmpty()) {
                X509Certificate cert = queue.poll();
                int d = depth.get(cert);
                for (X509Certificate anchor : keyring.anchors()) {
                    if (isIssuer(anchor, cert)) {
                        for (X509Certificate c = cert; c != null; c = issuedBy.get(c)) {
                            path.add(0, c);
                        }
                        return anchor;
                    }
                }
                if (d < MAX_PATH_LENGTH) {
                    for (X509Certificate candidate : embedded) {
                        if (!depth.containsKey(candidate) && isIssuer(candidate, cert)) {
                            depth.put(candidate, d + 1);
                            issuedBy.put(candidate, cert);
                            queue.add(candidate);
                        }
                    }
                }
                // Certificates leave the queue by nondecreasing depth: the last one is among the deepest.
                deadEndDepth = d;
                deadEnd = cert;
            }
            return null;
        }

        private boolean isIssuer(X509Certificate issuer, X509Certificate cert) {
            budget.candidateCheck();
            if (!issuer.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                return false;
            }
            budget.signatureCheck(issuer.getPublicKey(), "certificate " + SubjectName.quoted(issuer),
                    keyring.anchors().contains(issuer));
            try {
                cert.verify(issuer.getPublicKey());
                return true;
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }

        /** Why the deepest certificate reached led nowhere. */
        String deadEnd() {
            X509Certificate last = deadEnd;
            int depth = deadEndDepth;
            if (depth >= MAX_PATH_LENGTH) {
                return "chain longer than " + MAX_PATH_LENGTH + " certificates";
            } else if (last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                return "no path to a trust anchor: the chain ends at " + SubjectName.quoted(last)
                        + ", which is not in the keyring";
            } else if (depth > 1 && !namesIssuer(last)) {
                // The signer's chain reaches a CA whose issuer is nowhere: most likely a root this
                // keyring does not trust (signatures rarely embed roots).
                return "no path to a trust anchor: the chain ends at " + SubjectName.quoted(last)
                        + ", whose issuer " + SubjectName.quotedIssuer(last) + " is not in the keyring";
            } else if (namesIssuer(last)) {
                return "no path to a trust anchor: the certificate named " + SubjectName.quotedIssuer(last)
                        + " did not sign " + SubjectName.quoted(last) + " (different key)";
            }
            return "no path to a trust anchor: missing intermediate, no certificate for issuer "
                    + SubjectName.quotedIssuer(last) + " in the signature or the keyring";
        }

        private boolean namesIssuer(X509Certificate cert) {
            for (X509Certificate c : keyring.anchors()) {
                if (c.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                    return true;
                }
            }
            // Only asked of a certificate that is not self-issued, so it never names itself here.
            for (X509Certificate c : embedded) {
                if (c.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                    return true;
                }
            }
            return false;
        }
    }

    private static String subjectOf(String who, List<X509Certificate> path, X509Certificate cert) {
        // The signer itself reads "signer "CN=s" expired…"; others "signer "CN=s": certificate "CN=i" expired…".
        return cert == path.get(0) ? who : who + ": certificate " + SubjectName.quoted(cert);
    }

    private void checkAlgorithms(String who, List<X509Certificate> path, X509Certificate anchor) {
        List<X509Certificate> withAnchor = new ArrayList<>(path);
        withAnchor.add(anchor);
        for (X509Certificate cert : withAnchor) {
            String problem = AlgorithmPolicy.keyProblem(cert.getPublicKey());
            // An anchor is trusted as it stands: how it signed itself proves nothing either way.
            if (problem == null && cert != anchor) {
                problem = AlgorithmPolicy.certificateSignatureProblem(cert);
            }
            if (problem != null) {
                String name = cert == anchor ? who + ": trust anchor " + SubjectName.quoted(cert)
                        : subjectOf(who, path, cert);
                throw new SignatureException(Reason.WEAK_ALGORITHM, name + " " + problem);
            }
        }
    }

    private void checkRevocation(String who, List<X509Certificate> path, X509Certificate anchor) {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : anchor;
            for (X509CRL crl : keyring.crlsIssuedBy(issuer)) {
                X509CRLEntry entry = crl.getRevokedCertificate(cert.getSerialNumber());
                if (entry != null) {
                    throw new SignatureException(Reason.REVOKED, subjectOf(who, path, cert) + " was revoked on "
                            + entry.getRevocationDate().toInstant() + " (CRL of " + SubjectName.quoted(issuer) + ")");
                }
            }
        }
    }

    private void checkValidity(String who, List<X509Certificate> path, X509Certificate anchor) {
        Instant at = checkTime();
        List<X509Certificate> withAnchor = new ArrayList<>(path);
        withAnchor.add(anchor);
        for (X509Certificate cert : withAnchor) {
            String name = cert == anchor ? who + ": trust anchor " + SubjectName.quoted(cert)
                    : subjectOf(who, path, cert);
            if (at.isAfter(cert.getNotAfter().toInstant())) {
                throw new SignatureException(Reason.EXPIRED, name + " expired on "
                        + cert.getNotAfter().toInstant() + " (checked at " + at + ")");
            }
            if (policy.checkNotYetValid() && at.isBefore(cert.getNotBefore().toInstant())) {
                throw new SignatureException(Reason.NOT_YET_VALID, name + " is not valid before "
                        + cert.getNotBefore().toInstant() + " (checked at " + at + ")");
            }
        }
    }

    /**
     * The signer needs keyUsage with digitalSignature: an absent extension is refused, although RFC 5280
     * would allow any use, because a certificate issued without saying what it is for was not issued for
     * signing software. An EKU extension, when present, must list codeSigning (anyExtendedKeyUsage is not
     * enough: it is how general-purpose certificates say "whatever"); no EKU at all is accepted. Intermediates
     * must be CAs with keyCertSign, and an EKU on them, if any, must allow codeSigning.
     */
    private void checkUsage(String who, List<X509Certificate> path) {
        X509Certificate signer = path.get(0);
        boolean[] usage = signer.getKeyUsage();
        if (usage == null) {
            throw new SignatureException(Reason.KEY_USAGE, who + " has no key usage extension"
                    + " (digitalSignature required)");
        }
        if (!usage[0]) {
            throw new SignatureException(Reason.KEY_USAGE, who + " is not allowed to sign:"
                    + " key usage lacks digitalSignature");
        }
        List<String> eku = extendedKeyUsage(who, signer);
        if (eku != null && !eku.contains(CODE_SIGNING)) {
            throw new SignatureException(Reason.KEY_USAGE, who + " is not a code-signing certificate:"
                    + " extended key usage " + eku + " lacks codeSigning");
        }
        for (X509Certificate ca : path.subList(1, path.size())) {
            String name = subjectOf(who, path, ca);
            if (ca.getBasicConstraints() < 0) {
                throw new SignatureException(Reason.KEY_USAGE, name + " is not a CA (basicConstraints CA:true"
                        + " required to issue certificates)");
            }
            boolean[] caUsage = ca.getKeyUsage();
            if (caUsage == null || !caUsage[5]) {
                throw new SignatureException(Reason.KEY_USAGE, name + " lacks the keyCertSign key usage");
            }
            List<String> caEku = extendedKeyUsage(who, ca);
            if (caEku != null && !caEku.contains(CODE_SIGNING) && !caEku.contains(ANY_EKU)) {
                throw new SignatureException(Reason.KEY_USAGE, name + " is restricted to extended key usages "
                        + caEku + ", without codeSigning");
            }
        }
    }

    private static List<String> extendedKeyUsage(String who, X509Certificate cert) {
        try {
            return cert.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new SignatureException(Reason.MALFORMED, who + ": unreadable extended key usage in "
                    + SubjectName.quoted(cert), e);
        }
    }

    /**
     * The JDK's RFC 5280 validation over the path already found. Its date is the check time, except that
     * with checkNotYetValid=false it moves forward to the newest notBefore in the path, since the JDK
     * cannot skip only that check; expiry at the real check time was judged above.
     *
     * <p>What the JDK can still refuse after the checks above: a path that was never valid all at once (an
     * issuer expired before the signer's notBefore, seen at that moved date: {@link Reason#EXPIRED}), and what
     * tandem does not check itself (path length, name constraints, an unknown critical extension, an algorithm a
     * stricter {@code java.security} forbids: {@link Reason#NOT_TRUSTED}, in the JDK's words). Not-yet-valid
     * certificates, intermediates that are no CA or lack keyCertSign, and the algorithms the JDK forbids by
     * default are refused above, with their own reason, before the JDK sees them.
     */
    private void checkPkix(String who, List<X509Certificate> path, X509Certificate anchor) {
        Instant at = checkTime();
        if (!policy.checkNotYetValid()) {
            for (X509Certificate cert : path) {
                Instant notBefore = cert.getNotBefore().toInstant();
                if (notBefore.isAfter(at)) {
                    at = notBefore;
                }
            }
        }
        try {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false); // judged above with the keyring's CRLs, authoritative per issuer
            params.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            Reason reason = e.getReason() == CertPathValidatorException.BasicReason.EXPIRED ? Reason.EXPIRED
                    : Reason.NOT_TRUSTED;
            throw new SignatureException(reason, who + " is not trusted: " + Pem.oneLine(e), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PKIX validation is unavailable in this JDK", e);
        }
    }
}
