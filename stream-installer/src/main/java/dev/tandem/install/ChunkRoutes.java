package dev.tandem.install;

import java.util.Arrays;

/**
 * Where each chunk of one image comes from, planned before the first write: one long per chunk (a route in
 * the top bits, a byte offset on the local source or a position in the block list below), so an 8 GiB image
 * plans in 1 MiB. Chunks assembled from local blocks add their block numbers to one int array, grown only
 * when block assembly finds something (4 bytes per reused 4 KiB block).
 */
final class ChunkRoutes {

    /** The routes, cheapest first (ARCHITECTURE.md §4 "Adaptive"). */
    enum Route {
        /** Done before an interruption (below the journal's done-below): nothing to do. */
        DONE,
        /** All zeros: zero the range. */
        ZERO,
        /** Probably already on the target at its own offset (resume, or an unchanged chunk): verify there. */
        IN_PLACE,
        /** The same chunk is on the local source slot at some offset: read and verify it there. */
        LOCAL,
        /** Every block of the chunk was found on the local source slot (through its block hints): assemble, verify. */
        ASSEMBLE,
        /** Fetch the stored chunk from the bundle. */
        DOWNLOAD
    }

    /** In the block list: this block is all zeros and is not read from anywhere. */
    static final int ZERO_BLOCK = -1;

    private static final Route[] ROUTES = Route.values();
    private static final int SHIFT = 60;
    private static final long OFFSET_MASK = (1L << SHIFT) - 1;

    private final long[] routes;
    private int[] blocks = new int[0];
    private int blocksUsed;

    ChunkRoutes(long chunks) {
        routes = new long[Math.toIntExact(chunks)];
    }

    long count() {
        return routes.length;
    }

    void set(long i, Route route) {
        routes[(int) i] = (long) route.ordinal() << SHIFT;
    }

    void setLocal(long i, long localOffset) {
        routes[(int) i] = ((long) Route.LOCAL.ordinal() << SHIFT) | localOffset;
    }

    /**
     * Routes chunk {@code i} IN_PLACE with the local source slot as its fallback: a resume's window chunk that the
     * interrupted run may not have written, but that the local slot holds at {@code localOffset}.
     */
    void setInPlaceOrLocal(long i, long localOffset) {
        routes[(int) i] = ((long) Route.IN_PLACE.ordinal() << SHIFT) | (localOffset + 1);
    }

    /** Whether IN_PLACE chunk {@code i} has the local source slot as its fallback. */
    boolean hasLocalFallback(long i) {
        return route(i) == Route.IN_PLACE && (routes[(int) i] & OFFSET_MASK) != 0;
    }

    /** IN_PLACE chunk {@code i} was not in place: route it to its local fallback. */
    void fallBackToLocal(long i) {
        setLocal(i, (routes[(int) i] & OFFSET_MASK) - 1);
    }

    /** IN_PLACE chunks with a local fallback. */
    long countLocalFallbacks() {
        long n = 0;
        for (long i = 0; i < routes.length; i++) {
            if (hasLocalFallback(i)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Routes chunk {@code i} to assembly from local blocks.
     *
     * @param localBlocks block numbers on the local source slot (or {@link #ZERO_BLOCK}), one per block of the
     *                    chunk, from index 0
     */
    void setAssemble(long i, int[] localBlocks, int count) {
        if (blocksUsed + count > blocks.length) {
            blocks = Arrays.copyOf(blocks, Math.max(blocksUsed + count, Math.max(1024, blocks.length * 2)));
        }
        System.arraycopy(localBlocks, 0, blocks, blocksUsed, count);
        routes[(int) i] = ((long) Route.ASSEMBLE.ordinal() << SHIFT) | blocksUsed;
        blocksUsed += count;
    }

    Route route(long i) {
        return ROUTES[(int) (routes[(int) i] >>> SHIFT)];
    }

    long localOffset(long i) {
        return routes[(int) i] & OFFSET_MASK;
    }

    /** For an ASSEMBLE chunk: the local block number (or {@link #ZERO_BLOCK}) of its block {@code b}. */
    int localBlock(long i, int b) {
        return blocks[(int) (routes[(int) i] & OFFSET_MASK) + b];
    }

    /** Number of chunks on a route. */
    long countOf(Route route) {
        long n = 0;
        for (long r : routes) {
            if (r >>> SHIFT == route.ordinal()) {
                n++;
            }
        }
        return n;
    }
}
