package dev.tandem.bundle;

/** How a chunk is stored (FORMAT.md §3). */
public enum ChunkKind {
    /** All zero bytes; nothing stored. */
    ZERO(0),
    /** Stored as is. */
    RAW(1),
    /** Stored as one zstd frame. */
    ZSTD(2);

    private final int code;

    ChunkKind(int code) {
        this.code = code;
    }

    /** The byte in the chunk record. */
    public int code() {
        return code;
    }

    /** The kind for a record byte, or null when the byte is not a valid kind. */
    static ChunkKind ofCode(int code) {
        return switch (code) {
            case 0 -> ZERO;
            case 1 -> RAW;
            case 2 -> ZSTD;
            default -> null;
        };
    }
}
