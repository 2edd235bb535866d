package dev.tandem.bundle.fuzz;

import dev.tandem.pki.CmsSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/** Mutations of {@code manifest.json.p7s}: DER bytes, lengths, nesting, and signatures a device must not accept. */
final class SignatureMutations {

    private SignatureMutations() {
    }

    /**
     * Flips bits or rewrites bytes (length bytes included) in the DER. A change that leaves a valid signature
     * by the trusted key over the same manifest is malleability, not forgery: judged by content.
     */
    static Mutant derBytes(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        byte[] sig = seed.signature().clone();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int at = r.nextInt(Math.min(sig.length, r.nextBoolean() ? 16 : sig.length));
            sig[at] = r.nextBoolean() ? (byte) (sig[at] ^ (1 << r.nextInt(8))) : (byte) r.nextInt(256);
        }
        e.setData(2, sig);
        return e.mutant("cms-bytes", n + " byte(s) changed", Mutant.Expect.EITHER);
    }

    /** Cut short, trailing bytes, empty, random, or larger than 64 KiB. */
    static Mutant derShape(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        byte[] sig = seed.signature();
        int variant = r.nextInt(5);
        byte[] out = switch (variant) {
            case 0 -> Arrays.copyOf(sig, r.nextInt(sig.length));
            case 1 -> {
                byte[] b = Arrays.copyOf(sig, sig.length + 1 + r.nextInt(100));
                b[sig.length] = (byte) (r.nextInt(255) + 1);
                yield b;
            }
            case 2 -> new byte[0];
            case 3 -> {
                byte[] b = new byte[1 + r.nextInt(5000)];
                r.nextBytes(b);
                yield b;
            }
            default -> Arrays.copyOf(sig, 64 * 1024 + 1 + r.nextInt(1000));
        };
        e.setData(2, out);
        return e.mutant("cms-shape", "variant " + variant + ", " + out.length + " bytes", Mutant.Expect.REFUSE);
    }

    /** ASN.1 nested far deeper than any signature: SEQUENCEs in definite or indefinite (BER) form. */
    static Mutant derNesting(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int depth = 100 + r.nextInt(20_000);
        boolean indefinite = r.nextBoolean();
        byte[] out;
        if (indefinite) {
            out = new byte[4 * depth];
            for (int i = 0; i < depth; i++) {
                out[2 * i] = 0x30;
                out[2 * i + 1] = (byte) 0x80;
            }
        } else {
            // Innermost first: each level wraps the previous one with a definite length.
            byte[] inner = {0x05, 0x00};
            for (int i = 0; i < Math.min(depth, 3000); i++) {
                inner = wrap(inner);
            }
            out = inner;
        }
        e.setData(2, Arrays.copyOf(out, Math.min(out.length, 64 * 1024)));
        return e.mutant("cms-nesting", depth + " levels, " + (indefinite ? "indefinite" : "definite"),
                Mutant.Expect.REFUSE);
    }

    /** Well-formed signatures that must not count: untrusted key, other content, attached, no signers. */
    static Mutant wrongSignature(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int variant = r.nextInt(5);
        byte[] manifest = seed.manifest();
        byte[] sig;
        Mutant.Expect expect = Mutant.Expect.REFUSE;
        try {
            sig = switch (variant) {
                case 0 -> CmsSigner.sign(manifest, List.of(seed.foreignKey));
                case 1 -> CmsSigner.sign("{\"format\":1}".getBytes(StandardCharsets.UTF_8), List.of(seed.key));
                case 2 -> generate(seed, manifest, true, true);
                case 3 -> generate(seed, manifest, false, false);
                default -> {
                    // The trusted key twice beside an untrusted one: one distinct trusted signer, enough for N = 1.
                    expect = Mutant.Expect.EITHER;
                    yield CmsSigner.sign(manifest, List.of(seed.key, seed.foreignKey, seed.key));
                }
            };
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
        e.setData(2, sig);
        String[] names = {"untrusted key", "other content", "attached content", "no signers", "duplicate signers"};
        return e.mutant("cms-signer", names[variant], expect);
    }

    private static byte[] generate(SeedBundle seed, byte[] content, boolean withSigner, boolean attached)
            throws Exception {
        CMSSignedDataGenerator g = new CMSSignedDataGenerator();
        if (withSigner) {
            g.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(seed.signer.privateKey()),
                            seed.signer.certificate()));
        }
        g.addCertificates(new JcaCertStore(List.of(seed.signer.certificate())));
        try {
            return g.generate(new CMSProcessableByteArray(content), attached).getEncoded("DER");
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] wrap(byte[] inner) {
        int len = inner.length;
        byte[] header;
        if (len < 128) {
            header = new byte[] {0x30, (byte) len};
        } else if (len < 256) {
            header = new byte[] {0x30, (byte) 0x81, (byte) len};
        } else {
            header = new byte[] {0x30, (byte) 0x82, (byte) (len >> 8), (byte) len};
        }
        byte[] out = Arrays.copyOf(header, header.length + len);
        System.arraycopy(inner, 0, out, header.length, len);
        return out;
    }
}
