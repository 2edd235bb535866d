package dev.tandem.cli;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.BundleVerifier;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem bundle verify}: signature, container, every chunk and every image hash. */
@Command(name = "verify", header = "Check a bundle completely: signature, every chunk, every image hash.")
final class BundleVerifyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The bundle.")
    String file;

    @Option(names = "--keyring", required = true, paramLabel = "PEM", description = "Trusted certificates (PEM).")
    Path keyring;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SourceOpener.requireSupported(file);
        SignerRecorder signers = new SignerRecorder(new CmsVerifier(Keyring.load(keyring), TrustPolicy.standard()));
        BundleVerifier.Report report;
        try (BundleSource source = SourceOpener.open(file)) {
            report = BundleVerifier.verifyAll(source, signers, null);
        } catch (RuntimeException e) {
            throw new CommandContext("verify " + file, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("bundle OK: " + file + " (version " + report.manifest().version() + ", bundle id "
                + report.bundleId().substring(0, 16) + ")");
        out.println("signed by: " + String.join("; ", signers.subjects()));
        for (BundleVerifier.ImageReport r : report.images()) {
            out.printf("image %s: %d chunks verified (%d zero, %d raw, %d zstd), sha256 matches%n",
                    r.image().name(), r.image().chunks(), r.zeroChunks(), r.rawChunks(), r.zstdChunks());
        }
        out.flush();
        return 0;
    }
}
