package dev.tandem.bundle.fuzz;

/**
 * A mutated bundle and what may become of it.
 *
 * @param family         the mutation family, for the figures
 * @param detail         what exactly was done, for a failure message
 * @param bytes          the bundle
 * @param expect         {@link Expect#REFUSE} when the mutation breaks a rule of FORMAT.md or ARCHITECTURE.md §3 for sure;
 *                       {@link Expect#EITHER} when it may be harmless (hints, an equivalent encoding, a change
 *                       the trusted key signed), in which case acceptance is judged by content alone
 * @param signedBundleId the id of the manifest the trusted key signed for this mutant: the seed's, or the
 *                       re-signed mutated manifest's
 */
public record Mutant(String family, String detail, byte[] bytes, Expect expect, String signedBundleId) {

    /** What the judge requires. */
    public enum Expect {
        /** Must be refused. */
        REFUSE,
        /** May verify, but then its images must be exactly the seed's. */
        EITHER
    }

    @Override
    public String toString() {
        return family + ": " + detail + " (" + bytes.length + " bytes, expect " + expect + ")";
    }
}
