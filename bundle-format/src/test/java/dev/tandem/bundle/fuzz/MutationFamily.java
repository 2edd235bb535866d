package dev.tandem.bundle.fuzz;

import java.util.Random;
import java.util.function.BiFunction;

/** The mutation families and how often each is drawn. Shared by the parser and installer fuzzers. */
public enum MutationFamily {
    TRUNCATE(6, TarMutations::truncate),
    FLIP_BITS(10, TarMutations::flipBits),
    INSERT_DELETE(5, TarMutations::insertOrDelete),
    TRAILER(3, TarMutations::append),
    TAR_HEADER_FIELD(12, TarMutations::headerField),
    ENTRY_ORDER(4, TarMutations::entryOrder),
    FOREIGN_ENTRY(4, TarMutations::foreignEntry),
    PAX_HEADER(3, TarMutations::paxHeader),
    MANIFEST_TYPE(4, ManifestMutations::wrongType),
    MANIFEST_NUMBER(3, ManifestMutations::hugeNumber),
    MANIFEST_DUPLICATE_KEY(3, ManifestMutations::duplicateKey),
    MANIFEST_NESTING(3, ManifestMutations::deepNesting),
    MANIFEST_UNKNOWN_KEY(2, ManifestMutations::unknownKey),
    MANIFEST_MISSING_KEY(2, ManifestMutations::missingKey),
    MANIFEST_VALUE(6, ManifestMutations::valueChange),
    MANIFEST_SYNTAX(2, ManifestMutations::notJson),
    MANIFEST_RESPELLED(1, ManifestMutations::respelled),
    MANIFEST_UNSIGNED(2, ManifestMutations::unsignedChange),
    MANIFEST_SIZE(1, ManifestMutations::oversized),
    CMS_BYTES(5, SignatureMutations::derBytes),
    CMS_SHAPE(2, SignatureMutations::derShape),
    CMS_NESTING(1, SignatureMutations::derNesting),
    CMS_SIGNER(3, SignatureMutations::wrongSignature),
    CMS_CERT_GRAPH(3, CertificateGraphMutations::graph),
    CMS_FORGED(3, ForgedSignatureMutations::forged),
    INDEX_RECORD(12, IndexMutations::record),
    ZSTD_CHUNK(8, FrameMutations::chunkFrame),
    ZSTD_TABLE(4, FrameMutations::tableFrame);

    private final int weight;
    private final BiFunction<SeedBundle, Random, Mutant> mutation;

    MutationFamily(int weight, BiFunction<SeedBundle, Random, Mutant> mutation) {
        this.weight = weight;
        this.mutation = mutation;
    }

    public int weight() {
        return weight;
    }

    /** One mutant of {@code seed}; the same seed and random seed give the same mutant. */
    public Mutant apply(SeedBundle seed, long randomSeed) {
        return mutation.apply(seed, new Random(randomSeed));
    }
}
