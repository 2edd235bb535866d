package dev.tandem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.Manifest;
import dev.tandem.bundle.ManifestVerifier;
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

/** {@code tandem bundle info}: what a bundle holds, from its manifest and chunk tables. */
@Command(name = "info", header = "Show what a bundle holds (checks the signature only with --keyring).")
final class BundleInfoCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The bundle.")
    String file;

    @Option(names = "--keyring", paramLabel = "PEM", description = "Verify the signature against this keyring.")
    Path keyring;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SourceOpener.requireSupported(file);
        PrintWriter out = spec.commandLine().getOut();
        SignerRecorder signers = keyring == null ? null
                : new SignerRecorder(new CmsVerifier(Keyring.load(keyring), TrustPolicy.standard()));
        ManifestVerifier verifier = signers != null ? signers : ManifestVerifier.unverified();
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        try (BundleSource source = SourceOpener.open(file);
             BundleReader reader = BundleReader.open(source, verifier, null)) {
            Manifest m = reader.manifest();
            if (!json) {
                out.println(signers == null ? "signature NOT verified (no --keyring given)"
                        : "signature verified: " + String.join("; ", signers.subjects()));
                out.println("bundle id:        " + reader.bundleId());
                out.println("compatible:       " + m.compatible());
                out.println("version:          " + m.version());
                out.println("security-version: " + m.securityVersion());
                out.println("created:          " + m.created());
                if (m.expires() != null) {
                    out.println("expires:          " + m.expires());
                }
                if (m.description() != null) {
                    out.println("description:      " + m.description());
                }
            }
            root.put("signature-verified", signers != null);
            if (signers != null) {
                ArrayNode s = root.putArray("signers");
                signers.subjects().forEach(s::add);
            }
            root.put("bundle-id", reader.bundleId());
            root.set("manifest", mapper.readTree(reader.manifestBytes()));
            ArrayNode images = root.putArray("images");
            while (reader.hasNextImage()) {
                ImageSection section = reader.nextImage();
                ImageEntry i = section.image();
                long zero = i.chunks() - section.index().nonZeroCount();
                ObjectNode n = images.addObject();
                n.put("name", i.name());
                n.put("zero-chunks", zero);
                n.put("stored-bytes", section.index().storedTotal());
                if (!json) {
                    out.printf("image %s: class %s, %s (%d bytes), %d chunks of %s (%d zero), stored %s%n",
                            i.name(), i.slotClass(), SizeConverter.human(i.size()), i.size(), i.chunks(),
                            SizeConverter.human(i.chunkSize()), zero,
                            SizeConverter.human(section.index().storedTotal()));
                    out.println("  sha256 " + i.sha256());
                }
            }
            reader.finish();
        }
        if (json) {
            out.println(mapper.writeValueAsString(root));
        }
        out.flush();
        return 0;
    }
}
