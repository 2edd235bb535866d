package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** FORMAT.md §3.1, recomputed here from its words with plain SHA-256. */
class ChunkHasherTest {

    @Property(tries = 50)
    void hashesTheConcatenatedSha256OfZeroPaddedBlocks(@ForAll @IntRange(min = 1, max = 70_000) int length,
                                                       @ForAll long seed) {
        byte[] data = TestImages.mixed(length, seed);
        byte[] blocks = new byte[ChunkHasher.blockCount(length) * 32];
        byte[] hash = new byte[32];
        new ChunkHasher().hash(data, 0, length, blocks, hash, 0);

        MessageDigest outer = ChunkHasher.sha256();
        for (int at = 0, b = 0; at < length; at += 4096, b++) {
            byte[] block = Arrays.copyOfRange(data, at, at + 4096); // zero-padded past the end
            byte[] blockHash = ChunkHasher.sha256().digest(block);
            assertThat(Arrays.copyOfRange(blocks, b * 32, b * 32 + 32)).isEqualTo(blockHash);
            outer.update(blockHash);
        }
        assertThat(hash).isEqualTo(outer.digest());
    }

    @Test
    void hashesDataAtAnOffset() {
        byte[] data = TestImages.random(10_000, 1);
        byte[] shifted = TarBytes.concat(new byte[77], data);
        byte[] a = new byte[32];
        byte[] b = new byte[40];
        new ChunkHasher().hash(data, 0, data.length, new byte[96], a, 0);
        new ChunkHasher().hash(shifted, 77, data.length, new byte[96], b, 8);
        assertThat(Arrays.copyOfRange(b, 8, 40)).isEqualTo(a);
    }

    @Test
    void givesTheZeroChunkHashOfEachLength() {
        for (int length : new int[] {1, 4095, 4096, 4097, 16384, 65536}) {
            byte[] expected = new byte[32];
            byte[] blocks = new byte[ChunkHasher.blockCount(length) * 32];
            new ChunkHasher().hash(new byte[length], 0, length, blocks, expected, 0);
            assertThat(ChunkHasher.zeroChunkHash(length)).as("length %d", length).isEqualTo(expected);
        }
        // A short chunk within one block hashes like a full zero block: the padding is zeros too.
        assertThat(ChunkHasher.zeroChunkHash(1)).isEqualTo(ChunkHasher.zeroChunkHash(4096));
        assertThat(ChunkHasher.zeroChunkHash(4097)).isNotEqualTo(ChunkHasher.zeroChunkHash(4096));
    }

    @Test
    void returnsACopyOfTheCachedZeroHash() {
        ChunkHasher.zeroChunkHash(16384)[0] ^= 1;
        byte[] expected = new byte[32];
        new ChunkHasher().hash(new byte[16384], 0, 16384, new byte[128], expected, 0);
        assertThat(ChunkHasher.zeroChunkHash(16384)).isEqualTo(expected);
    }

    @Test
    void tellsZeroRangesFromOthers() {
        byte[] b = new byte[20_000];
        assertThat(ChunkHasher.isZero(b, 0, b.length)).isTrue();
        b[19_999] = 1;
        assertThat(ChunkHasher.isZero(b, 0, b.length)).isFalse();
        assertThat(ChunkHasher.isZero(b, 0, 19_999)).isTrue();
        assertThat(ChunkHasher.isZero(b, 19_999, 1)).isFalse();
        assertThat(ChunkHasher.isZero(b, 5, 0)).isTrue();
    }
}
