package dev.tandem.bundle.fuzz;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.cms.Time;

/**
 * The trusted signer's own signature, certificate chain intact, with what only its key could make changed
 * without it: the signature value (well-formed but wrong, a flipped byte, another key's value over the same
 * signed attributes) or the signed attributes (signing time, content type, the message digest of a changed
 * manifest, all removed), or the manifest changed under an untouched signature. All must be refused: each
 * is what a verifier that skipped the signature-value check or the digest comparison would let through.
 */
final class ForgedSignatureMutations {

    /** The variants, by name; {@link #forged(SeedBundle, Random, int)} makes each. */
    static final List<String> VARIANTS = List.of("value s+1", "value byte flipped", "value of another key",
            "signing time changed", "digest of a changed manifest", "content type changed", "signed attributes removed",
            "manifest changed, signature kept");

    private ForgedSignatureMutations() {
    }

    static Mutant forged(SeedBundle seed, Random r) {
        return forged(seed, r, r.nextInt(VARIANTS.size()));
    }

    static Mutant forged(SeedBundle seed, Random r, int variant) {
        BundleEdit e = new BundleEdit(seed);
        byte[] genuine = seed.signature();
        byte[] changedManifest = changedManifest(seed.manifest(), r);
        byte[] signature = switch (variant) {
            case 0 -> withSignerInfo(genuine, si -> withValue(si, nudgedEcdsa(value(si))));
            case 1 -> withSignerInfo(genuine, si -> {
                byte[] v = value(si);
                v[r.nextInt(v.length)] ^= (byte) (1 << r.nextInt(8));
                return withValue(si, v);
            });
            case 2 -> withSignerInfo(genuine, si -> withValue(si, signWithAnotherKey(si)));
            case 3 -> withSignerInfo(genuine, si -> withAttributes(si, replace(si.getAuthenticatedAttributes(),
                    CMSAttributes.signingTime, new Time(Date.from(Instant.parse("2031-01-01T00:00:00Z")
                            .plusSeconds(r.nextInt(1_000_000)))))));
            case 4 -> withSignerInfo(genuine, si -> withAttributes(si, replace(si.getAuthenticatedAttributes(),
                    CMSAttributes.messageDigest, new DEROctetString(sha256(changedManifest)))));
            case 5 -> withSignerInfo(genuine, si -> withAttributes(si, replace(si.getAuthenticatedAttributes(),
                    CMSAttributes.contentType, CMSObjectIdentifiers.signedData)));
            case 6 -> withSignerInfo(genuine, si -> withAttributes(si, null));
            default -> genuine;
        };
        if (variant == 4 || variant == VARIANTS.size() - 1) {
            e.setData(1, changedManifest);
        }
        e.setData(2, signature);
        return e.mutant("cms-forged", VARIANTS.get(variant), Mutant.Expect.REFUSE);
    }

    /** The seed's manifest with its version changed (same length, still valid JSON and a valid manifest). */
    private static byte[] changedManifest(byte[] manifest, Random r) {
        String text = new String(manifest, StandardCharsets.UTF_8);
        String changed = text.replace("\"2.0.0\"", "\"" + (3 + r.nextInt(7)) + ".0.0\"");
        if (changed.equals(text)) {
            throw new IllegalStateException("the seed manifest has no version 2.0.0: " + text);
        }
        return changed.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withSignerInfo(byte[] signature, UnaryOperator<SignerInfo> change) {
        ContentInfo info = ContentInfo.getInstance(signature);
        SignedData sd = SignedData.getInstance(info.getContent());
        ASN1EncodableVector infos = new ASN1EncodableVector();
        for (ASN1Encodable si : sd.getSignerInfos()) {
            infos.add(change.apply(SignerInfo.getInstance(si)));
        }
        SignedData changed = new SignedData(sd.getDigestAlgorithms(), sd.getEncapContentInfo(), sd.getCertificates(),
                sd.getCRLs(), new DERSet(infos));
        return der(new ContentInfo(CMSObjectIdentifiers.signedData, changed));
    }

    private static byte[] value(SignerInfo si) {
        return si.getEncryptedDigest().getOctets().clone();
    }

    private static SignerInfo withValue(SignerInfo si, byte[] value) {
        return new SignerInfo(si.getSID(), si.getDigestAlgorithm(), si.getAuthenticatedAttributes(),
                si.getDigestEncryptionAlgorithm(), new DEROctetString(value), si.getUnauthenticatedAttributes());
    }

    private static SignerInfo withAttributes(SignerInfo si, ASN1Set attributes) {
        return new SignerInfo(si.getSID(), si.getDigestAlgorithm(), attributes, si.getDigestEncryptionAlgorithm(),
                si.getEncryptedDigest(), si.getUnauthenticatedAttributes());
    }

    private static ASN1Set replace(ASN1Set attributes, ASN1ObjectIdentifier type, ASN1Encodable value) {
        ASN1EncodableVector out = new ASN1EncodableVector();
        for (ASN1Encodable a : attributes) {
            Attribute attribute = Attribute.getInstance(a);
            out.add(attribute.getAttrType().equals(type) ? new Attribute(type, new DERSet(value)) : attribute);
        }
        return new DERSet(out);
    }

    /** ECDSA (r, s) with s + 1: well-formed, not the key's signature. */
    private static byte[] nudgedEcdsa(byte[] value) {
        ASN1Sequence rs = ASN1Sequence.getInstance(value);
        BigInteger s = ASN1Integer.getInstance(rs.getObjectAt(1)).getValue();
        return der(new DERSequence(new ASN1Encodable[] {rs.getObjectAt(0), new ASN1Integer(s.add(BigInteger.ONE))}));
    }

    /** A valid ECDSA signature over the same signed attributes, by a key nobody certified. */
    private static byte[] signWithAnotherKey(SignerInfo si) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initSign(generator.generateKeyPair().getPrivate());
            ecdsa.update(si.getAuthenticatedAttributes().getEncoded(ASN1Encoding.DER));
            return ecdsa.sign();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] der(ASN1Encodable object) {
        try {
            return object.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
