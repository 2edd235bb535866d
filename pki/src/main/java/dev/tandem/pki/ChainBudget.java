package dev.tandem.pki;

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
    /** Certificate signatures verified while looking for issuers (the expensive part of a candidate check). */
    static final int MAX_SIGNATURE_CHECKS = 256;

    private int candidateChecks;
    private int signatureChecks;

    /** Counts one candidate check; throws when the budget is spent or the thread was interrupted. */
    void candidateCheck() {
        checkInterrupted();
        if (++candidateChecks > MAX_CANDIDATE_CHECKS) {
            throw new GaveUp("signature: refused, finding the signer's chain took more than "
                    + MAX_CANDIDATE_CHECKS + " issuer candidate checks (hostile certificate graph?)");
        }
    }

    /** Counts one certificate signature verification; throws when the budget is spent. */
    void signatureCheck() {
        if (++signatureChecks > MAX_SIGNATURE_CHECKS) {
            throw new GaveUp("signature: refused, finding the signer's chain took more than "
                    + MAX_SIGNATURE_CHECKS + " certificate signature checks (hostile certificate graph?)");
        }
    }

    int signatureChecks() {
        return signatureChecks;
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
