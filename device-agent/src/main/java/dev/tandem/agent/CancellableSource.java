package dev.tandem.agent;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FilterSource;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bundle source that can be stopped from another thread: once {@link #cancel} is called, the next read, seek
 * or range delivery throws {@link CanceledException}, and the installer stops the way it stops for any source
 * failure (target left unbootable, its journal kept). A read that is blocked waiting for the network ends within
 * the HTTP stall timeout; the agent interrupts the install thread if that is too long.
 */
public final class CancellableSource extends FilterSource {

    private final AtomicBoolean canceled;

    public CancellableSource(BundleSource inner, AtomicBoolean canceled) {
        super(inner);
        this.canceled = canceled;
    }

    private void check() throws CanceledException {
        if (canceled.get()) {
            throw new CanceledException(inner.name() + ": install canceled");
        }
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        check();
        return inner.read(buf, off, len);
    }

    @Override
    public void seek(long offset) throws IOException {
        check();
        inner.seek(offset);
    }

    @Override
    public void readRanges(List<ByteRange> ranges, RangeSink sink) throws IOException {
        check();
        inner.readRanges(ranges, (offset, buf, off, len) -> {
            check();
            sink.accept(offset, buf, off, len);
        });
    }
}
