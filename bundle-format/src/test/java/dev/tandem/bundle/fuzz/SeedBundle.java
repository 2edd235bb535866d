package dev.tandem.bundle.fuzz;

import com.github.luben.zstd.Zstd;
import dev.tandem.bundle.BundleWriter;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A valid bundle to mutate, with everything the judge needs: the trusted test key (to re-sign mutated
 * manifests), the keyring that trusts it, an untrusted key, and the ground truth: the images' bytes.
 * Its images mix every kind of chunk: zero, raw (random), zstd (compressible), and a short last chunk.
 */
public final class SeedBundle {

    public static final int CHUNK_SIZE = 16 * 1024;
    public static final Instant CREATED = Instant.parse("2026-11-20T10:00:00Z");

    /** An image's name, class and bytes, and its chunk table as the writer made it. */
    public record Image(String name, String slotClass, byte[] content, ChunkTable table) {
    }

    public final IssuedCertificate root;
    public final IssuedCertificate signer;
    public final SigningKey key;
    public final SigningKey foreignKey;
    public final String compatible;
    public final byte[] bytes;
    public final List<Tar.Entry> entries;
    public final List<Image> images;
    public final String bundleId;

    private SeedBundle(IssuedCertificate root, IssuedCertificate signer, SigningKey foreignKey, String compatible, byte[] bytes,
                       List<Image> images) {
        this.root = root;
        this.signer = signer;
        this.key = signer.signingKey();
        this.foreignKey = foreignKey;
        this.compatible = compatible;
        this.bytes = bytes;
        this.entries = List.copyOf(Tar.entries(bytes));
        this.images = List.copyOf(images);
        this.bundleId = sha256(manifest());
    }

    /**
     * Writes a bundle with one image per entry of {@code imageSizes} (named rootfs, appfs, data, ...), signed
     * by a fresh test key.
     */
    public static SeedBundle create(Path dir, String compatible, int... imageSizes) throws IOException {
        IssuedCertificate root = CertificateIssuer.selfSigned().subject("fuzz root").ca().issue();
        IssuedCertificate signer = root.issuer().subject("fuzz signer").issue();
        SigningKey key = signer.signingKey();
        IssuedCertificate otherRoot = CertificateIssuer.selfSigned().subject("untrusted root").ca().issue();
        SigningKey foreign = otherRoot.issuer().subject("untrusted signer").issue().signingKey();
        String[] names = {"rootfs", "appfs", "data", "extra"};
        BundleWriter writer = new BundleWriter().compatible(compatible).version("2.0.0").securityVersion(1)
                .created(CREATED).chunkSize(CHUNK_SIZE).threads(1).description("fuzz seed")
                .signer(m -> CmsSigner.sign(m, List.of(key)));
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < imageSizes.length; i++) {
            byte[] content = content(imageSizes[i], 1000 + i);
            contents.add(content);
            Path img = dir.resolve(names[i] + ".img");
            Files.write(img, content);
            writer.image(names[i], names[i], img);
        }
        Path out = dir.resolve("seed-" + compatible + ".tandem");
        writer.write(out);
        byte[] bytes = Files.readAllBytes(out);
        List<Tar.Entry> entries = Tar.entries(bytes);
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < imageSizes.length; i++) {
            byte[] idx = entries.get(3 + 3 * i).data();
            long chunks = (imageSizes[i] + CHUNK_SIZE - 1) / CHUNK_SIZE;
            ChunkTable table = ChunkTable.parse(Zstd.decompress(idx, (int) (16 + 48 * chunks)));
            images.add(new Image(names[i], names[i], contents.get(i), table));
        }
        return new SeedBundle(root, signer, foreign, compatible, bytes, images);
    }

    /**
     * Reproducible image bytes: stretches of zeros (zero chunks), random bytes (raw chunks), repetitive text
     * (zstd chunks), a chunk that is zero but for one byte, and a size that is no multiple of the chunk size.
     */
    static byte[] content(int size, int seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        byte[] text = ("tandem fuzz seed " + seed + " ").getBytes(StandardCharsets.US_ASCII);
        for (int chunk = 0; chunk * CHUNK_SIZE < size; chunk++) {
            int from = chunk * CHUNK_SIZE;
            int to = Math.min(size, from + CHUNK_SIZE);
            switch (chunk % 5) {
                case 0, 3 -> {
                    byte[] random = new byte[to - from];
                    r.nextBytes(random);
                    System.arraycopy(random, 0, b, from, random.length);
                }
                case 1 -> { }
                case 2 -> {
                    for (int i = from; i < to; i++) {
                        b[i] = text[(i + r.nextInt(2)) % text.length];
                    }
                }
                default -> b[from + r.nextInt(to - from)] = 1;
            }
        }
        return b;
    }

    public byte[] marker() {
        return entries.get(0).data();
    }

    public byte[] manifest() {
        return entries.get(1).data();
    }

    public byte[] signature() {
        return entries.get(2).data();
    }

    /** The mtime the writer gave every entry (the manifest's created time). */
    public long mtime() {
        return CREATED.getEpochSecond();
    }

    /** A detached signature over {@code manifest} by the trusted test key. */
    public byte[] sign(byte[] manifest) {
        return CmsSigner.sign(manifest, List.of(key));
    }

    /** The verifier a device with this bundle's keyring uses. */
    public CmsVerifier verifier() {
        return new CmsVerifier(Keyring.of(List.of(root.certificate()), List.of()),
                new TrustPolicy(Instant.now(), null, true, 1, List.of()));
    }

    public ManifestVerifier manifestVerifier() {
        CmsVerifier v = verifier();
        return v::verify;
    }

    /** The keyring as PEM text, for devices configured by file. */
    public String keyringPem() {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(root.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Image image(String name) {
        return images.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entries copied, for mutation. */
    public List<Tar.Entry> entryCopy() {
        List<Tar.Entry> out = new ArrayList<>();
        for (Tar.Entry e : entries) {
            out.add(new Tar.Entry(e.pax() == null ? null : e.pax().clone(), e.header().clone(),
                    Arrays.copyOf(e.data(), e.data().length)));
        }
        return out;
    }
}
