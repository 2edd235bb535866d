package dev.tandem.bundle;

import java.io.IOException;

/**
 * One image of an open bundle: its verified chunk table and where its hints and stored chunks sit in the
 * bundle. Valid until the reader moves to the next image.
 */
public final class ImageSection {

    private final BundleSource source;
    private final ChunkIndex index;
    private final long hintsOffset;
    private final long dataOffset;

    ImageSection(BundleSource source, ChunkIndex index, long hintsOffset, long dataOffset) {
        this.source = source;
        this.index = index;
        this.hintsOffset = hintsOffset;
        this.dataOffset = dataOffset;
    }

    public ImageEntry image() {
        return index.image();
    }

    /** The chunk table, verified against the signed manifest. */
    public ChunkIndex index() {
        return index;
    }

    /** Absolute offset of the {@code .blk} data in the bundle. */
    public long hintsOffset() {
        return hintsOffset;
    }

    /** Absolute offset of the {@code .dat} data in the bundle. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Absolute offset of chunk {@code i}'s stored bytes. */
    public long storedChunkOffset(long i) {
        return dataOffset + index.storedOffset(i);
    }

    /** Absolute offset of the hints of non-zero chunk {@code i} (8 bytes per block, unsigned). */
    public long hintsOffsetOf(long i) {
        return hintsOffset + 8L * image().blocksPerChunk() * index.nonZeroOrdinal(i);
    }

    /**
     * Reads chunk {@code i}'s stored bytes (kinds raw and zstd) into {@code buf} from index 0, moving the source
     * there first if needed. The bytes are not verified yet: pass them to a {@link ChunkDecoder}.
     *
     * @return the stored length
     */
    public int readStored(long i, byte[] buf) throws IOException {
        if (index.kind(i) == ChunkKind.ZERO) {
            throw new IllegalArgumentException("chunk " + i + " is a zero chunk: nothing is stored");
        }
        long at = storedChunkOffset(i);
        if (source.position() != at) {
            source.seek(at);
        }
        int len = index.storedLength(i);
        if (BundleReader.readFully(source, buf, 0, len) < len) {
            throw TarFormat.container("bundle is truncated inside images/" + image().name() + ".dat");
        }
        return len;
    }
}
