package dev.tandem.pki;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/**
 * The work one signature may make chain building do. Embedded certificates come from the signature, so an
 * attacker chooses them without any key: N self-issued certificates with one subject and key all issue each
 * other, and a search that tries orderings never ends. With a budget the search is refused, fast.
 *
 * <p>One budget serves every SignerInfo of a signature, so adding SignerInfos does not multiply the work.
 * Real signatures use a few percent of it: a signer and one to three intermediates, a few signers.
 */
final class ChainBudget {

    /** Embedded certificates a signature may carry at all; tandem writes a signer and its intermediates per key. */
    static final int MAX_EMBEDDED_CERTIFICATES = 64;
    /** Times a certificate is considered as the issuer of another (a name comparison). */
    static final int MAX_CANDIDATE_CHECKS = 16_384;
    /**
     * Signature checks (of certificates while looking for issuers, and of SignerInfos over the content), in
     * units of one RSA-2048 check. Counting checks alone is not enough: one P-521 check costs ~50 RSA-2048
     * ones, and 256 of them took 6 s on a loaded machine. Measured there (JDK 17, ms per check): RSA-2048 0.5,
     * RSA-4096 1.5, P-256 7, P-384 12, P-521 26; the budget is at most ~1 s of such checks.
     */
    static final int MAX_SIGNATURE_COST = 1024;

    private int candidateChecks;
    private int signatureCost;

    /** Counts one candidate check; throws when the budget is spent or the thread was interrupted. */
    void candidateCheck() {
        checkInterrupted();
        if (++candidateChecks > MAX_CANDIDATE_CHECKS) {
            throw new GaveUp("signature: refused, finding the signer's chain took more than "
                    + MAX_CANDIDATE_CHECKS + " issuer candidate checks (hostile certificate graph?)");
        }
    }

    /**
     * Counts one signature check with {@code key}, at its cost; throws when the budget is spent, or when an
     * untrusted key (not a keyring anchor's) is one tandem refuses for its cost, before the time is spent.
     */
    void signatureCheck(PublicKey key, String whose, boolean trusted) {
        checkInterrupted();
        String costly = trusted ? null : AlgorithmPolicy.costProblem(key);
        if (costly != null) {
            throw new GaveUp("signature: refused, " + whose + " " + costly);
        }
        signatureCost += cost(key);
        if (signatureCost > MAX_SIGNATURE_COST) {
            throw new GaveUp("signature: refused, checking it took more than " + MAX_SIGNATURE_COST
                    + " units of certificate signature checks (hostile certificate graph?)");
        }
    }

    /** A check's cost in RSA-2048 checks: RSA grows with the square of the modulus and with the exponent. */
    static int cost(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            double size = rsa.getModulus().bitLength() / 2048.0;
            double exponent = Math.max(1.0, rsa.getPublicExponent().bitLength() / 17.0);
            return (int) Math.ceil(size * size * exponent);
        }
        if (key instanceof ECPublicKey ec) {
            double size = ec.getParams().getCurve().getField().getFieldSize() / 256.0;
            return (int) Math.ceil(8 * size * size);
        }
        return 8; // refused later (RSA and EC only); as dear as P-256 until then
    }

    int signatureCost() {
        return signatureCost;
    }

    /**
     * Verification runs under locks (the data directory's) and may be cancelled by interrupting its thread:
     * stop at once. The flag stays set for the caller.
     */
    static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new GaveUp("signature: verification interrupted");
        }
    }

    /** The search was stopped; ends the verification of the whole signature, not only of one SignerInfo. */
    static final class GaveUp extends SignatureException {
        GaveUp(String message) {
            super(Reason.NOT_TRUSTED, message);
        }
    }
}
