package dev.tandem.bundle;

import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Signed test bundles in one line: {@code TestBundles.rootfs(TestImages.random(100_000, 1)).writeTo(file)}.
 * Bundles are signed for real, with a development CA ({@link DevCa}) made once per JVM; {@link #verifier()}
 * trusts it, as a device whose keyring holds {@code keyring.pem} would.
 */
final class TestBundles {

    /** The default {@code created} of test bundles, so that the same inputs give the same bytes. */
    static final Instant CREATED = Instant.parse("2026-11-21T10:00:00Z");

    /** The files {@link DevCa#create} wrote, and what tests need loaded from them. */
    record DevKeys(Path dir, Path caPem, Path signerPem, Path signerKey, Path keyringPem, SigningKey signingKey,
                   Keyring keyring) {
    }

    private static final class Holder {
        static final DevKeys DEV = createDevCa();
    }

    private TestBundles() {
    }

    /** The development CA shared by all tests of this JVM. */
    static DevKeys devCa() {
        return Holder.DEV;
    }

    /** Signs with the development signer. */
    static ManifestSigner signer() {
        return signer(devCa().signingKey());
    }

    /** Signs with these keys (real CMS, one SignerInfo each). */
    static ManifestSigner signer(SigningKey... keys) {
        List<SigningKey> list = List.of(keys);
        return manifest -> CmsSigner.sign(manifest, list);
    }

    /** Verifies against the development keyring with the standard policy. */
    static ManifestVerifier verifier() {
        return verifier(devCa().keyring());
    }

    static ManifestVerifier verifier(Keyring keyring) {
        return (manifest, signature) -> new CmsVerifier(keyring, TrustPolicy.standard()).verify(manifest, signature);
    }

    /** A bundle of one image called rootfs. */
    static Builder rootfs(byte[] content) {
        return bundle().image("rootfs", content);
    }

    static Builder bundle() {
        return new Builder();
    }

    /**
     * Reads a bundle front to back the way an installer does: every chunk through {@link ImageSection#readStored}
     * and {@link ChunkDecoder}, then {@link BundleReader#finish()}. Returns each image's bytes, in bundle order.
     */
    static Map<String, byte[]> decodeImages(BundleSource source, ManifestVerifier verifier) throws IOException {
        Map<String, byte[]> images = new LinkedHashMap<>();
        BundleReader reader = BundleReader.open(source, verifier, null);
        try (ChunkDecoder decoder = new ChunkDecoder()) {
            while (reader.hasNextImage()) {
                ImageSection section = reader.nextImage();
                ImageEntry image = section.image();
                ChunkIndex index = section.index();
                byte[] out = new byte[Math.toIntExact(image.size())];
                byte[] stored = new byte[image.chunkSize()];
                byte[] chunk = new byte[image.chunkSize()];
                byte[] blocks = new byte[image.blocksPerChunk() * ChunkHasher.HASH_SIZE];
                for (long i = 0; i < index.count(); i++) {
                    int n = index.kind(i) == ChunkKind.ZERO ? 0 : section.readStored(i, stored);
                    int len = decoder.decode(index, i, stored, 0, n, chunk, blocks);
                    System.arraycopy(chunk, 0, out, Math.toIntExact(image.chunkOffset(i)), len);
                }
                images.put(image.name(), out);
            }
            reader.finish();
        }
        return images;
    }

    /** Deletes a directory tree; quietly, for clean-up. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds a {@link BundleWriter} from in-memory images; the image files live only while it writes. */
    static final class Builder {
        private record Image(String name, String slotClass, byte[] content) {
        }

        private final List<Image> images = new ArrayList<>();
        private int chunkSize = BundleWriter.DEFAULT_CHUNK_SIZE;
        private int threads = 2;
        private Instant created = CREATED;
        private ManifestSigner signer;
        private Consumer<BundleWriter> extra = w -> { };

        Builder image(String name, byte[] content) {
            return image(name, name, content);
        }

        Builder image(String name, String slotClass, byte[] content) {
            images.add(new Image(name, slotClass, content));
            return this;
        }

        Builder chunkSize(int chunkSize) {
            this.chunkSize = chunkSize;
            return this;
        }

        Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        Builder created(Instant created) {
            this.created = created;
            return this;
        }

        Builder signedBy(ManifestSigner signer) {
            this.signer = signer;
            return this;
        }

        /** Further writer settings. */
        Builder with(Consumer<BundleWriter> settings) {
            this.extra = extra.andThen(settings);
            return this;
        }

        /** Writes the bundle to {@code out}. */
        BundleWriter.Result writeTo(Path out) throws IOException {
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path imageDir = Files.createTempDirectory(parent, "images-");
            try {
                BundleWriter w = new BundleWriter().compatible("acme-gw-v2").version("2.1.0").securityVersion(7)
                        .created(created).chunkSize(chunkSize).threads(threads)
                        .signer(signer != null ? signer : signer());
                for (Image i : images) {
                    w.image(i.name(), i.slotClass(), TestImages.write(imageDir, i.name(), i.content()));
                }
                extra.accept(w);
                return w.write(out);
            } finally {
                deleteTree(imageDir);
            }
        }

        /** Writes the bundle in {@code workDir} and returns its bytes. */
        byte[] bytes(Path workDir) throws IOException {
            Path out = Files.createTempFile(workDir, "bundle-", ".tandem");
            try {
                writeTo(out);
                return Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(out);
            }
        }
    }

    private static DevKeys createDevCa() {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            Path dir = Files.createTempDirectory(tmp, "dev-ca-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-dev-ca"));
            Path keys = dir.resolve("pki");
            DevCa.create(keys, DevCa.KeyType.EC_P256);
            Path signerPem = keys.resolve("signer.pem");
            Path signerKey = keys.resolve("signer.key");
            Path keyringPem = keys.resolve("keyring.pem");
            return new DevKeys(keys, keys.resolve("ca.pem"), signerPem, signerKey, keyringPem,
                    SigningKey.load(signerPem, signerKey.toString()), Keyring.load(keyringPem));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
