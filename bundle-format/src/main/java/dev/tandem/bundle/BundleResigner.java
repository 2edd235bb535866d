package dev.tandem.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * Gives a bundle a new {@code manifest.json.p7s} without repacking its images ({@code tandem bundle resign}):
 * the marker and manifest entries are copied byte for byte, the signature entry is replaced by one of the new
 * size (header, data, zero padding), and everything after it (chunk tables, hints, stored chunks, end blocks)
 * is copied by the kernel ({@link FileChannel#transferTo}, no pass through the heap). The manifest bytes, and
 * so the bundle id, stay identical: a device resumes an interrupted install of the old file from the new one.
 *
 * <p>The input's first three entries are read with the strict {@link BundleReader} rules, and the manifest is
 * parsed, so a bundle a device would refuse is never signed again. The images are not re-verified here: they
 * are covered by the manifest's hashes, which the new signature vouches for exactly as the old one did.
 * The output appears atomically (temporary file beside it, fsync, rename, fsync of the directory); the input
 * and the output may be the same file.
 */
public final class BundleResigner {

    /** Makes the new signature: a detached DER CMS SignedData over {@code manifest}. */
    @FunctionalInterface
    public interface SignatureMaker {
        /**
         * @param manifest     the exact signed manifest bytes
         * @param oldSignature the signature the bundle has now (to extend it, or to ignore it)
         */
        byte[] sign(byte[] manifest, byte[] oldSignature);
    }

    /**
     * What was written.
     *
     * @param bundleId         the bundle id, unchanged
     * @param oldSignatureSize bytes of the replaced signature
     * @param newSignatureSize bytes of the new signature
     * @param bundleSize       size of the written bundle
     */
    public record Result(String bundleId, int oldSignatureSize, int newSignatureSize, long bundleSize) {
    }

    private BundleResigner() {
    }

    /**
     * Writes {@code out}: {@code in} with the signature {@code maker} returns.
     *
     * @param check judges the existing signature first ({@link ManifestVerifier#unverified()} to skip that)
     * @throws VerificationException when {@code in} is not a well-formed bundle up to its signature
     * @throws IllegalArgumentException when the new signature is empty or larger than the format allows
     */
    public static Result resign(Path in, Path out, ManifestVerifier check, SignatureMaker maker) throws IOException {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(maker, "maker");
        byte[] manifest;
        byte[] oldSignature;
        long imagesStart;
        try (FileSource source = FileSource.open(in)) {
            BundleReader reader = BundleReader.open(source, check, null);
            manifest = reader.manifestBytes();
            oldSignature = reader.signature();
            // The reader stops right after the signature entry's padding: the first image entry starts here.
            imagesStart = source.position();
        }
        byte[] signature = maker.sign(manifest, oldSignature);
        if (signature == null || signature.length == 0) {
            throw new IllegalArgumentException("the signer returned no signature");
        }
        if (signature.length > BundleReader.MAX_SIGNATURE_SIZE) {
            throw new IllegalArgumentException("the new signature is " + signature.length + " bytes, more than the "
                    + BundleReader.MAX_SIGNATURE_SIZE + " a bundle may hold");
        }
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + out.getFileName() + ".tmp");
        try (FileChannel src = FileChannel.open(in, StandardOpenOption.READ)) {
            long signatureStart = entryAt(src, entryAt(src, 0).end()).end();
            long mtime = mtime(entryAt(src, signatureStart));
            long size = src.size();
            try (FileChannel dst = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                copy(src, 0, signatureStart, dst);
                write(dst, ByteBuffer.wrap(TarFormat.headerFor(BundleReader.SIGNATURE_NAME, signature.length, mtime)));
                write(dst, ByteBuffer.wrap(signature));
                write(dst, ByteBuffer.allocate(TarFormat.padding(signature.length)));
                copy(src, imagesStart, size - imagesStart, dst);
                dst.force(true);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Result(BundleReader.sha256Hex(manifest), oldSignature.length, signature.length, Files.size(out));
    }

    /** One entry: its own header block (the one after a pax header, if any) and the offset just past its data. */
    private record Entry(byte[] header, long end) {
    }

    private static Entry entryAt(FileChannel ch, long at) throws IOException {
        byte[] header = block(ch, at);
        TarFormat.Header h = TarFormat.parse(header, "entry at byte " + at);
        long pos = at + TarFormat.BLOCK;
        long size = h.size();
        if (h.pax()) {
            byte[] pax = new byte[(int) h.size()];
            readFully(ch, ByteBuffer.wrap(pax), pos);
            size = TarFormat.parsePaxSize(pax, "pax header at byte " + at);
            pos += h.size() + TarFormat.padding(h.size());
            header = block(ch, pos);
            pos += TarFormat.BLOCK;
        }
        return new Entry(header, pos + size + TarFormat.padding(size));
    }

    /** The entry's mtime, kept in the new header so that only its size and checksum change. */
    private static long mtime(Entry e) {
        try {
            return TarUtils.parseOctal(e.header(), 136, 12);
        } catch (IllegalArgumentException ex) {
            return 0;
        }
    }

    private static byte[] block(FileChannel ch, long at) throws IOException {
        byte[] b = new byte[TarFormat.BLOCK];
        readFully(ch, ByteBuffer.wrap(b), at);
        return b;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw TarFormat.container("bundle is truncated at byte " + pos);
            }
            pos += n;
        }
    }

    private static void copy(FileChannel src, long from, long length, FileChannel dst) throws IOException {
        long done = 0;
        while (done < length) {
            long n = src.transferTo(from + done, length - done, dst);
            if (n <= 0) {
                throw new IOException("bundle shrank while it was copied (at byte " + (from + done) + ")");
            }
            done += n;
        }
    }

    private static void write(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
