package dev.tandem.cli;

import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CmsVerifier;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** A manifest verifier backed by {@link CmsVerifier} that remembers who signed, for reports. */
final class SignerRecorder implements ManifestVerifier {

    private final CmsVerifier verifier;
    private final List<X509Certificate> signers = new ArrayList<>();

    SignerRecorder(CmsVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public void verify(byte[] manifest, byte[] signature) {
        signers.addAll(verifier.verify(manifest, signature));
    }

    List<String> subjects() {
        return signers.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
    }
}
