package dev.tandem.cli;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ChunkKind;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.VerificationException;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bundle extract}: writes each verified image to {@code <dir>/<name>.img}. Files are created
 * exclusively (never overwritten, never through a link), and an image whose hash does not match is deleted.
 */
@Command(name = "extract", header = "Write a bundle's verified images to DIR/<name>.img.")
final class BundleExtractCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The bundle.")
    String file;

    @Option(names = "--keyring", required = true, paramLabel = "PEM", description = "Trusted certificates (PEM).")
    Path keyring;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Directory for the images.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SourceOpener.requireSupported(file);
        if (Files.isSymbolicLink(dir) || (Files.exists(dir) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))) {
            throw new UsageException(dir + " is not a directory");
        }
        Files.createDirectories(dir);
        PrintWriter out = spec.commandLine().getOut();
        CmsVerifier verifier = new CmsVerifier(Keyring.load(keyring), TrustPolicy.standard());
        try (BundleSource source = SourceOpener.open(file);
             BundleReader reader = BundleReader.open(source, verifier::verify, null);
             ChunkDecoder decoder = new ChunkDecoder()) {
            while (reader.hasNextImage()) {
                ImageSection section = reader.nextImage();
                Path target = dir.resolve(section.image().name() + ".img");
                extract(section, target, decoder);
                out.println("extracted " + target + " (" + SizeConverter.human(section.image().size()) + ")");
            }
            reader.finish();
        } catch (RuntimeException e) {
            throw new CommandContext("extract " + file, e);
        }
        out.flush();
        return 0;
    }

    private static void extract(ImageSection section, Path target, ChunkDecoder decoder) throws IOException {
        ImageEntry image = section.image();
        ChunkIndex index = section.index();
        byte[] stored = new byte[image.chunkSize()];
        byte[] chunk = new byte[image.chunkSize()];
        byte[] blocks = new byte[image.blocksPerChunk() * ChunkHasher.HASH_SIZE];
        MessageDigest sha = ChunkHasher.sha256();
        // CREATE_NEW with NOFOLLOW_LINKS: an existing file or a planted link is refused, never written through.
        FileChannel created = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        boolean ok = false;
        try (FileChannel ch = created) {
            for (long i = 0; i < index.count(); i++) {
                int len;
                if (index.kind(i) == ChunkKind.ZERO) {
                    len = decoder.decode(index, i, stored, 0, 0, chunk, blocks);
                } else {
                    len = decoder.decode(index, i, stored, 0, section.readStored(i, stored), chunk, blocks);
                    ByteBuffer b = ByteBuffer.wrap(chunk, 0, len);
                    long at = image.chunkOffset(i);
                    while (b.hasRemaining()) {
                        at += ch.write(b, at);
                    }
                }
                sha.update(chunk, 0, len);
            }
            ch.truncate(image.size());
            if (ch.size() < image.size()) {
                // Trailing zero chunks: make the file its full size without writing zeros (stays sparse).
                ch.write(ByteBuffer.allocate(1), image.size() - 1);
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(image.sha256())) {
                throw new VerificationException(VerificationException.Kind.IMAGE, "image " + image.name()
                        + ": sha256 mismatch (expected " + image.sha256() + ", got " + actual + ")", -1,
                        image.sha256(), actual);
            }
            ch.force(true);
            ok = true;
        } finally {
            if (!ok) {
                Files.deleteIfExists(target);
            }
        }
    }
}
