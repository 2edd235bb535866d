package dev.tandem.cli;

import dev.tandem.pki.SigningKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --cert}/{@code --key} pairs of the commands that sign (bundle create, bundle resign). */
final class SignerOptions {

    @Option(names = "--cert", required = true, paramLabel = "PEM",
            description = "Signer certificate (further certificates in the file are embedded intermediates). "
                    + "Repeat with --key for several signers.")
    List<Path> certs;

    @Option(names = "--key", required = true, paramLabel = "KEY",
            description = "Signer private key: a PKCS#8 PEM file or a pkcs11: URI. One per --cert, in order.")
    List<String> keys;

    /** Loads every signer, checking that each certificate has its key. */
    List<SigningKey> load() {
        if (certs.size() != keys.size()) {
            throw new UsageException("give one --key per --cert (" + certs.size() + " certificates, " + keys.size()
                    + " keys)");
        }
        List<SigningKey> signers = new ArrayList<>();
        for (int k = 0; k < certs.size(); k++) {
            signers.add(SigningKey.load(certs.get(k), keys.get(k)));
        }
        return signers;
    }
}
