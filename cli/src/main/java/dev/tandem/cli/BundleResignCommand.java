package dev.tandem.cli;

import dev.tandem.bundle.BundleResigner;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bundle resign}: replaces a bundle's signatures, or adds to them, without repacking its images.
 * Only {@code manifest.json.p7s} changes; the manifest, and so the bundle id, stay the same (ARCHITECTURE.md §3).
 *
 * <p>Key rotation: {@code resign --add} with the new key gives bundles that devices trusting either key accept;
 * {@code signatures-required = 2} devices need two distinct keys. The existing signature is checked against
 * {@code --keyring} first, so a bundle whose origin is unknown is never vouched for again by accident.
 */
@Command(name = "resign", header = "Replace or add signatures without repacking the images.", sortOptions = false)
final class BundleResignCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The bundle to re-sign.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Bundle file to write (may be IN itself).")
    Path output;

    @Mixin
    SignerOptions signerOptions = new SignerOptions();


    @Option(names = "--add", description = "Keep the existing signatures and add these (default: replace them).")
    boolean add;

    @Option(names = "--keyring", paramLabel = "PEM",
            description = "Check the existing signature against these trusted certificates before re-signing.")
    Path keyring;

    @Option(names = "--no-verify", description = "Re-sign without checking the existing signature's trust.")
    boolean noVerify;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((keyring == null) == !noVerify) {
            throw new UsageException("give either --keyring (check the existing signature first) or --no-verify");
        }
        List<SigningKey> signers = signerOptions.load();
        ManifestVerifier check = keyring == null ? ManifestVerifier.unverified()
                : new CmsVerifier(Keyring.load(keyring), TrustPolicy.standard())::verify;
        BundleResigner.Result result;
        try {
            result = BundleResigner.resign(input, output, check, (manifest, old) -> add
                    ? CmsSigner.addSigners(old, manifest, signers)
                    : CmsSigner.sign(manifest, signers));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (RuntimeException e) {
            throw new CommandContext("resign " + input, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s %s: bundle id %s (unchanged), signature %d -> %d bytes%n", add ? "added signatures to" : "re-signed",
                output, result.bundleId().substring(0, 16), result.oldSignatureSize(), result.newSignatureSize());
        for (SigningKey s : signers) {
            out.println("  signed by: " + s.certificate().getSubjectX500Principal().getName());
        }
        out.flush();
        return 0;
    }
}
