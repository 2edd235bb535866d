package dev.tandem.bundle.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A seed bundle being changed: its entries, its manifest, and whether the manifest was re-signed with the
 * trusted test key. Entry indices: 0 marker, 1 manifest, 2 signature, then per image k: 3+3k table,
 * 4+3k hints, 5+3k stored chunks.
 */
final class BundleEdit {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final SeedBundle seed;
    final List<Tar.Entry> entries;
    byte[] manifest;
    String signedBundleId;
    int zeroBlocks = 2;

    BundleEdit(SeedBundle seed) {
        this.seed = seed;
        this.entries = new java.util.ArrayList<>(seed.entryCopy());
        this.manifest = seed.manifest();
        this.signedBundleId = seed.bundleId;
    }

    static int idx(int image) {
        return 3 + 3 * image;
    }

    static int blk(int image) {
        return 4 + 3 * image;
    }

    static int dat(int image) {
        return 5 + 3 * image;
    }

    void setData(int entry, byte[] data) {
        entries.set(entry, entries.get(entry).withData(data));
    }

    /** Replaces the manifest; with {@code resign}, the trusted key signs the new bytes. */
    void setManifest(byte[] m, boolean resign) {
        manifest = m;
        setData(1, m);
        if (resign) {
            setData(2, seed.sign(m));
            signedBundleId = SeedBundle.sha256(m);
        }
    }

    void setManifestText(String text, boolean resign) {
        setManifest(text.getBytes(StandardCharsets.UTF_8), resign);
    }

    String manifestText() {
        return new String(manifest, StandardCharsets.UTF_8);
    }

    ObjectNode json() {
        try {
            return (ObjectNode) JSON.readTree(manifest);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Serialises like the bundle writer (indented, newline at the end) and re-signs. */
    void setJson(ObjectNode root) {
        try {
            setManifestText(JSON.writeValueAsString(root) + "\n", true);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectNode image(ObjectNode root, int k) {
        return (ObjectNode) root.get("images").get(k);
    }

    /**
     * Stores {@code table} as image {@code k}'s chunk table (one zstd frame), puts its hash into the manifest
     * and re-signs, so that the reader gets past the hash to the table's rules. With the fix-ups, the hints
     * and stored-chunk entries are cut or padded with zeros to the lengths the new table implies, so that the
     * reader gets past the entry lengths too.
     */
    void setTable(int k, ChunkTable table, boolean fixHints, boolean fixStored) {
        byte[] raw = table.toBytes();
        setCompressedTable(k, Zstd.compress(raw, 3), raw);
        if (fixHints) {
            long len = 8L * (SeedBundle.CHUNK_SIZE / 4096) * table.nonZeroCount();
            setData(blk(k), Arrays.copyOf(entries.get(blk(k)).data(), (int) Math.min(len, 1 << 24)));
        }
        if (fixStored) {
            long len = table.storedTotal();
            setData(dat(k), Arrays.copyOf(entries.get(dat(k)).data(), (int) Math.max(0, Math.min(len, 1 << 24))));
        }
    }

    /** Stores {@code compressed} as image {@code k}'s table entry and signs {@code raw}'s hash. */
    void setCompressedTable(int k, byte[] compressed, byte[] raw) {
        setData(idx(k), compressed);
        ObjectNode root = json();
        image(root, k).put("index-sha256", SeedBundle.sha256(raw));
        setJson(root);
    }

    byte[] bytes() {
        return Tar.assemble(entries, zeroBlocks);
    }

    Mutant mutant(String family, String detail, Mutant.Expect expect) {
        return new Mutant(family, detail, bytes(), expect, signedBundleId);
    }
}
