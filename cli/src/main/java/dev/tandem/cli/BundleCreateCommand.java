package dev.tandem.cli;

import dev.tandem.bundle.BundleWriter;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.SigningKey;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tandem bundle create}: pack raw images into a signed bundle. */
@Command(name = "create", header = "Pack raw images into a signed bundle.", sortOptions = false)
final class BundleCreateCommand implements Callable<Integer> {

    @Option(names = "--image", required = true, paramLabel = "NAME[:CLASS]=PATH",
            description = "An image to pack; its slot class is NAME unless :CLASS is given. Repeatable.")
    List<String> images;

    @Option(names = "--compatible", required = true, description = "Compatible string devices must match.")
    String compatible;

    @Option(names = "--version", required = true, description = "Bundle version (SemVer 2.0).")
    String version;

    @Option(names = "--security-version", defaultValue = "0", description = "Anti-rollback counter (default 0).")
    long securityVersion;

    @Option(names = "--chunk-size", defaultValue = "64K", converter = SizeConverter.class,
            description = "Chunk size, a power of two from 16K to 4M (default 64K).")
    long chunkSize;

    @Option(names = "--level", defaultValue = "3", description = "zstd level 1-22 (default 3).")
    int level;

    @Option(names = "--description", description = "Free text stored in the manifest.")
    String description;

    @Option(names = "--expires", paramLabel = "TIME", description = "Refuse the bundle after this RFC 3339 time.")
    String expires;

    @Mixin
    SignerOptions signerOptions = new SignerOptions();


    @Option(names = "--threads", description = "Worker threads (default: number of CPUs).")
    Integer threads;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Bundle file to write.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<SigningKey> signers = signerOptions.load();
        if (chunkSize > Integer.MAX_VALUE || !ImageEntry.isValidChunkSize(chunkSize)) {
            throw new UsageException("--chunk-size " + chunkSize + " is not a power of two from 16K to 4M");
        }
        BundleWriter writer = new BundleWriter()
                .compatible(compatible)
                .version(version)
                .securityVersion(securityVersion)
                .chunkSize((int) chunkSize)
                .level(level)
                .description(description)
                .signer(manifest -> CmsSigner.sign(manifest, signers));
        if (threads != null) {
            writer.threads(threads);
        }
        if (expires != null) {
            try {
                writer.expires(Instant.parse(expires));
            } catch (DateTimeParseException e) {
                throw new UsageException("--expires '" + expires + "' is not an RFC 3339 time like 2027-01-01T00:00:00Z");
            }
        }
        for (String spec : images) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UsageException("--image '" + spec + "' must look like NAME=PATH or NAME:CLASS=PATH");
            }
            String name = spec.substring(0, eq);
            String slotClass = name;
            int colon = name.indexOf(':');
            if (colon >= 0) {
                slotClass = name.substring(colon + 1);
                name = name.substring(0, colon);
            }
            writer.image(name, slotClass, Path.of(spec.substring(eq + 1)));
        }
        long start = System.nanoTime();
        BundleWriter.Result result;
        try {
            result = writer.write(output);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        var out = spec.commandLine().getOut();
        out.printf("created %s: %s, bundle id %s, %.1f s%n", output, SizeConverter.human(result.bundleSize()),
                result.bundleId().substring(0, 16), seconds);
        for (ImageEntry i : result.manifest().images()) {
            out.printf("  image %s (class %s): %s, %d chunks of %s%n", i.name(), i.slotClass(),
                    SizeConverter.human(i.size()), i.chunks(), SizeConverter.human(i.chunkSize()));
        }
        out.flush();
        return 0;
    }
}
