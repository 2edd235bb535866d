package dev.tandem.bundle;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * A {@link BundleSource} that forwards everything to another one, as {@link java.io.FilterInputStream} does for
 * streams: subclasses override what they watch or change (cancelling a download, failing on purpose in tests).
 */
public abstract class FilterSource implements BundleSource {

    /** The source everything goes to. */
    protected final BundleSource inner;

    protected FilterSource(BundleSource inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public OptionalLong size() {
        return inner.size();
    }

    @Override
    public long position() {
        return inner.position();
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        return inner.read(buf, off, len);
    }

    @Override
    public void seek(long offset) throws IOException {
        inner.seek(offset);
    }

    @Override
    public void willRead(long end) throws IOException {
        inner.willRead(end);
    }

    @Override
    public boolean canSeekBackward() {
        return inner.canSeekBackward();
    }

    @Override
    public long bytesReceived() {
        return inner.bytesReceived();
    }

    @Override
    public void readRanges(List<ByteRange> ranges, RangeSink sink) throws IOException {
        inner.readRanges(ranges, sink);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
