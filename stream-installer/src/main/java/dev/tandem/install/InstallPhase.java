package dev.tandem.install;

/** The steps of an install, in order (ARCHITECTURE.md §1), as reported to listeners. */
public enum InstallPhase {
    /** Reading the bundle header and checking the signature. */
    VERIFY_MANIFEST,
    /** Compatible, version, security version, booted slot state. */
    CHECK_POLICY,
    /** Choosing targets and where each chunk will come from. */
    PLAN,
    /** The target is made unbootable before its first byte changes. */
    MARK_TARGET_WRITING,
    /** Chunks flow: fetch, verify, write. */
    STREAM,
    /** Everything written reaches the device. */
    SYNC,
    /** The written image is checked against its signed SHA-256. */
    CHECK,
    /** Verified and recorded; not yet bootable. */
    INSTALLED,
    /** Try-once set: the slot boots next, once. */
    ACTIVATED
}
