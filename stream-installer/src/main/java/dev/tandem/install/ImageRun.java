package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.slot.Slot;
import java.io.IOException;

/**
 * One image on its way through the per-image states of {@link InstallFlow}, from NEXT_IMAGE to CHECK_IMAGE: what
 * each of those steps found out or opened for the next. {@link #close} closes what is open; tables not committed
 * by CHECK_IMAGE are dropped.
 */
final class ImageRun implements AutoCloseable {

    final ImageSection section;
    final ImageEntry image;
    final Slot slot;
    /** The journal's done-below for this image when it started: chunks below were written before a resume. */
    final long doneBelow;

    /** Set by PLAN_ROUTES. */
    ChunkRoutes routes;
    /** Set by PLAN_ROUTES: the booted slot to reuse chunks from, or null. */
    InstallSteps.LocalSource local;
    /** Opened by STREAM. */
    BlockTarget target;
    SavedTables.Builder tables;
    BlockTarget localTarget;
    /** Set by STREAM. */
    ChunkPipeline.Outcome outcome;

    ImageRun(ImageSection section, Slot slot, long doneBelow) {
        this.section = section;
        this.image = section.image();
        this.slot = slot;
        this.doneBelow = doneBelow;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (AutoCloseable c : new AutoCloseable[] {localTarget, tables, target}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                IOException io = e instanceof IOException x ? x : new IOException(e);
                if (first == null) {
                    first = io;
                } else {
                    first.addSuppressed(io);
                }
            }
        }
        localTarget = null;
        tables = null;
        target = null;
        if (first != null) {
            throw first;
        }
    }
}
