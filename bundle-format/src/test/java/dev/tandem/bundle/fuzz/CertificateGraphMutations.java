package dev.tandem.bundle.fuzz;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.SigningKey;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Signatures over the seed's manifest whose embedded certificates form hostile graphs: loops of self-issued
 * clones (one subject, one key: each issues every other), more certificates than a signature may carry, many
 * same-named siblings under other keys, chains longer than the depth limit (under the trusted root), diamonds
 * whose trusted branch is not a CA, graphs that spend the chain-building budget, and clones of the trusted
 * signer's certificate. None may verify, and each must be refused quickly (chain building used to try every
 * ordering of a loop: hours for 40 certificates).
 */
final class CertificateGraphMutations {

    /** The variants, by name; {@link #graph(SeedBundle, Random, int)} makes each. */
    static final List<String> VARIANTS = List.of("loop of clones", "oversized loop", "same-named siblings",
            "chain beyond the depth limit", "diamond whose trusted branch is no CA", "budget spender",
            "many SignerInfos over a loop", "clone of the trusted signer");

    private CertificateGraphMutations() {
    }

    static Mutant graph(SeedBundle seed, Random r) {
        return graph(seed, r, r.nextInt(VARIANTS.size()));
    }

    static Mutant graph(SeedBundle seed, Random r, int variant) {
        byte[] manifest = seed.manifest();
        String detail;
        byte[] signature;
        switch (variant) {
            case 0 -> {
                // Named like the trusted root half of the time: every clone is then a name match for the anchor.
                int n = 2 + r.nextInt(63);
                String name = r.nextBoolean() ? "loop" : "fuzz root";
                signature = signedByFirst(manifest, clones(n, name, ecKey(), false), List.of());
                detail = n + " clones of \"" + name + "\"";
            }
            case 1 -> {
                int n = 65 + r.nextInt(136);
                signature = signedByFirst(manifest, clones(n, "l", ecKey(), true), List.of());
                detail = n + " bare clones";
            }
            case 2 -> {
                int n = 2 + r.nextInt(40);
                List<IssuedCertificate> siblings = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    siblings.add(CertificateIssuer.selfSigned().subject("fuzz root").ca().issue());
                }
                IssuedCertificate leaf = siblings.get(r.nextInt(n)).issuer().subject("fuzz signer").issue();
                signature = sign(manifest, leaf, shuffled(certificates(siblings), r));
                detail = n + " siblings named like the trusted root";
            }
            case 3 -> {
                int k = 8 + r.nextInt(5);
                List<X509Certificate> chain = new ArrayList<>();
                IssuedCertificate ca = seed.root;
                for (int i = 1; i <= k; i++) {
                    ca = ca.issuer().subject("level " + i).ca().issue();
                    chain.add(ca.certificate());
                }
                IssuedCertificate leaf = ca.issuer().subject("deep signer").issue();
                signature = sign(manifest, leaf, shuffled(chain, r));
                detail = k + " CAs under the trusted root";
            }
            case 4 -> {
                KeyPair key = ecKey();
                IssuedCertificate otherRoot = CertificateIssuer.selfSigned().subject("other root").ca().issue();
                IssuedCertificate noCa = seed.root.issuer().subject("mid").keyPair(key).issue();
                IssuedCertificate viaOther = otherRoot.issuer().subject("mid").ca().keyPair(key).issue();
                IssuedCertificate leaf = viaOther.issuer().subject("fuzz signer").issue();
                signature = sign(manifest, leaf, shuffled(List.of(noCa.certificate(), viaOther.certificate(),
                        otherRoot.certificate()), r));
                detail = "cross-signed mid, trusted branch without CA:true";
            }
            case 5 -> {
                KeyPair key = ecKey();
                List<IssuedCertificate> certs = new ArrayList<>(clones(24 + r.nextInt(9), "loop", key, true));
                for (int i = 0; i < 32; i++) {
                    certs.add(CertificateIssuer.selfSigned().subject("loop").noExtensions().issue());
                }
                List<IssuedCertificate> rest = new ArrayList<>(certs.subList(1, certs.size()));
                Collections.shuffle(rest, r);
                signature = sign(manifest, certs.get(0), certificates(rest));
                detail = certs.size() + " same-named certificates, half under one key";
            }
            case 6 -> {
                int signers = 10 + r.nextInt(31);
                List<IssuedCertificate> loop = clones(12, "loop", ecKey(), true);
                List<SigningKey> keys = new ArrayList<>();
                for (int i = 0; i < signers; i++) {
                    keys.add(key(loop.get(0), certificates(loop.subList(1, loop.size()))));
                }
                signature = CmsSigner.sign(manifest, keys);
                detail = signers + " SignerInfos over a loop of 12";
            }
            default -> {
                // The trusted signer's subject, issuer and serial number under another key, beside the genuine one.
                IssuedCertificate fakeRoot = CertificateIssuer.selfSigned().subject("fuzz root").ca().issue();
                IssuedCertificate clone = fakeRoot.issuer().subject("fuzz signer")
                        .serial(seed.signer.certificate().getSerialNumber()).issue();
                List<X509Certificate> extra = new ArrayList<>(List.of(seed.signer.certificate(), fakeRoot.certificate()));
                signature = sign(manifest, clone, shuffled(extra, r));
                detail = "clone of the trusted signer";
            }
        }
        BundleEdit e = new BundleEdit(seed);
        e.setData(2, signature);
        return e.mutant("cms-cert-graph", VARIANTS.get(variant) + ": " + detail + ", " + signature.length + " bytes",
                Mutant.Expect.REFUSE);
    }

    private static KeyPair ecKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} self-issued certificates with one subject and one key; bare ones have no extensions. */
    private static List<IssuedCertificate> clones(int n, String subject, KeyPair key, boolean bare) {
        List<IssuedCertificate> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CertificateIssuer issuer = CertificateIssuer.selfSigned().subject(subject).keyPair(key);
            out.add((bare ? issuer.noExtensions() : issuer.ca()).issue());
        }
        return out;
    }

    private static byte[] signedByFirst(byte[] manifest, List<IssuedCertificate> certs, List<X509Certificate> more) {
        List<X509Certificate> embedded = new ArrayList<>(certificates(certs.subList(1, certs.size())));
        embedded.addAll(more);
        return sign(manifest, certs.get(0), embedded);
    }

    private static byte[] sign(byte[] manifest, IssuedCertificate signer, List<X509Certificate> embedded) {
        return CmsSigner.sign(manifest, List.of(key(signer, embedded)));
    }

    private static SigningKey key(IssuedCertificate signer, List<X509Certificate> embedded) {
        return SigningKey.of(signer.certificate(), signer.privateKey(), embedded);
    }

    private static List<X509Certificate> certificates(List<IssuedCertificate> certs) {
        return certs.stream().map(IssuedCertificate::certificate).toList();
    }

    private static List<X509Certificate> shuffled(List<X509Certificate> certs, Random r) {
        List<X509Certificate> out = new ArrayList<>(certs);
        Collections.shuffle(out, r);
        return out;
    }
}
