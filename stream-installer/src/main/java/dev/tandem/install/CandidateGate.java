package dev.tandem.install;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.Manifest;
import dev.tandem.bundle.VerificationException;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.policy.CandidateImage;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.policy.SemVer;
import dev.tandem.slot.Slot;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The one gate a bundle passes before anything is written for it, shared by the install flow and the standalone
 * agent's scanner, so that the scanner never picks a bundle the install would refuse:
 * <ol>
 *   <li>{@link #open}: the signature (keyring, signer policy, certificates at the {@linkplain TrustPolicy#checkTime
 *       check time}), then the manifest's {@code expires} at that same time and its {@code min-tandem-version};</li>
 *   <li>{@link #admit}: the install policy ({@code compatible}, security-version floor, booted slot good, failed
 *       before, version, targets, the target group's other slots, sizes; see {@link dev.tandem.slot.policy.InstallPolicy}).</li>
 * </ol>
 */
public final class CandidateGate {

    private final DeviceSlots slots;
    private final Clock clock;

    public CandidateGate(DeviceSlots slots, Clock clock) {
        this.slots = slots;
        this.clock = clock;
    }

    /**
     * Reads {@code source} up to its manifest and checks signature and manifest. The caller closes the reader.
     *
     * @param spillDir where the reader may spill chunk tables
     * @throws VerificationException signature, manifest or expiry (exit 3)
     * @throws PolicyException       {@code min-tandem-version} above this tandem (exit 4)
     */
    public BundleReader open(BundleSource source, Path spillDir) throws IOException {
        SystemConfig cfg = slots.config();
        TrustPolicy trust = new TrustPolicy(clock.instant(), slots.current().timeFloor(), cfg.checkSignerTime(),
                cfg.signaturesRequired(), cfg.allowedSigners());
        CmsVerifier verifier = new CmsVerifier(Keyring.load(cfg.keyring()), trust);
        BundleReader reader = BundleReader.open(source, verifier::verify, spillDir);
        try {
            checkManifest(reader.manifest(), trust);
        } catch (RuntimeException e) {
            try {
                reader.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return reader;
    }

    private static void checkManifest(Manifest m, TrustPolicy trust) {
        if (m.expires() != null && trust.checkTime().isAfter(m.expires())) {
            throw new VerificationException(VerificationException.Kind.MANIFEST, "bundle expired on " + m.expires()
                    + " (its signer set an expiry so that old bundles cannot be replayed; checked at "
                    + trust.checkTime() + ", the later of the clock and this device's time floor)");
        }
        if (m.minTandemVersion() != null
                && SemVer.parse(Installer.VERSION).compareTo(SemVer.parse(m.minTandemVersion())) < 0) {
            throw new PolicyException(PolicyException.Reason.INCOMPATIBLE, "bundle needs tandem "
                    + m.minTandemVersion() + " or newer, this is " + Installer.VERSION);
        }
    }

    /** What the slot manager judges of an opened bundle: taken from its verified manifest. */
    public static Candidate candidateOf(BundleReader reader) {
        Manifest m = reader.manifest();
        List<CandidateImage> images = m.images().stream()
                .map(i -> new CandidateImage(i.name(), i.slotClass(), i.size())).toList();
        return new Candidate(reader.bundleId(), m.compatible(), m.version(), m.securityVersion(), m.created(),
                images);
    }

    /**
     * Runs the install policy on {@code candidate} and returns where each image goes.
     *
     * @param slotSize a slot's size in bytes (the installer measures the devices; the scanner, which does not
     *                 open them, passes {@code Long.MAX_VALUE})
     * @throws PolicyException the first rule it breaks (exit 4)
     */
    public List<ImageTarget> admit(Candidate candidate, InstallOptions options, ToLongFunction<Slot> slotSize) {
        return slots.checkInstall(candidate, options, slotSize);
    }
}
