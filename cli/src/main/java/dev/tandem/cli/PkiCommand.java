package dev.tandem.cli;

import dev.tandem.pki.DevCa;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem pki}: keys and certificates. */
@Command(name = "pki", header = "Make keys and certificates.", subcommands = {PkiCommand.DevCaCommand.class, PkiIssueCommand.class, HelpCommand.class})
final class PkiCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code tandem pki dev-ca}. */
    @Command(name = "dev-ca", header = "Create a DEVELOPMENT-ONLY CA and code-signing certificate.")
    static final class DevCaCommand implements Callable<Integer> {

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the files.")
        Path out;

        @Option(names = "--rsa", paramLabel = "BITS", description = "RSA keys of 2048, 3072 or 4096 bits instead of ECDSA P-256.")
        Integer rsaBits;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            DevCa.KeyType type = keyType(rsaBits);
            DevCa.create(out, type);
            var o = spec.commandLine().getOut();
            o.println("DEVELOPMENT ONLY: wrote ca.pem, signer.pem, signer.key and keyring.pem to " + out);
            o.println("Never ship devices that trust this keyring; make a real signing PKI for production.");
            o.flush();
            return 0;
        }
    }

    /** The key type {@code --rsa BITS} asks for; ECDSA P-256 without it. */
    static DevCa.KeyType keyType(Integer rsaBits) {
        if (rsaBits == null) {
            return DevCa.KeyType.EC_P256;
        }
        return switch (rsaBits) {
            case 2048 -> DevCa.KeyType.RSA_2048;
            case 3072 -> DevCa.KeyType.RSA_3072;
            case 4096 -> DevCa.KeyType.RSA_4096;
            default -> throw new UsageException("--rsa must be 2048, 3072 or 4096, not " + rsaBits);
        };
    }
}
