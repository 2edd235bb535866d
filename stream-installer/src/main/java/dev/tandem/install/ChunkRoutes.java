package dev.tandem.install;

/**
 * Where each chunk of one image comes from, planned before the first write: one long per chunk (a route in
 * the top bits, a byte offset on the local source below), so an 8 GiB image plans in 1 MiB.
 */
final class ChunkRoutes {

    /** The routes, cheapest first (DESIGN §4 "Adaptive"). */
    enum Route {
        /** Done before an interruption (below the journal's done-below): nothing to do. */
        DONE,
        /** All zeros: zero the range. */
        ZERO,
        /** Probably already on the target at its own offset (resume, or an unchanged chunk): verify there. */
        IN_PLACE,
        /** The same chunk is on the local source slot at some offset: read and verify it there. */
        LOCAL,
        /** Fetch the stored chunk from the bundle. */
        DOWNLOAD
    }

    private static final Route[] ROUTES = Route.values();
    private static final int SHIFT = 60;
    private static final long OFFSET_MASK = (1L << SHIFT) - 1;

    private final long[] routes;

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

    Route route(long i) {
        return ROUTES[(int) (routes[(int) i] >>> SHIFT)];
    }

    long localOffset(long i) {
        return routes[(int) i] & OFFSET_MASK;
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
