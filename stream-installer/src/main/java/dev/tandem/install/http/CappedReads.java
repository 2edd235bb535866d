package dev.tandem.install.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

import java.util.function.LongSupplier;

/**
 * Socket reads of up to {@code maxRead} bytes (sized by Netty's adaptive predictor), each cut to the room left
 * under the connection's cap on waiting body bytes.
 *
 * <p>The inbox handler asks for a read only while the inbox is under its high-water mark, so a read normally has
 * the room of a whole one. The cut is for the read nobody asked for: after a socket read that returns nothing,
 * Netty leaves the read armed, and it runs even when the inbox has filled up meanwhile. Without the cut such a
 * read added a second {@code maxRead} on top of a full inbox (seen once in a CI run: 1,417,728 bytes waiting
 * against a documented 1,310,720).
 */
final class CappedReads implements RecvByteBufAllocator {

    private final RecvByteBufAllocator sizes;
    private final LongSupplier room;

    /**
     * @param maxRead the largest read
     * @param room    how many more body bytes may wait for the reader now; a read takes at least one byte, so
     *                that an armed read always makes progress
     */
    CappedReads(int maxRead, LongSupplier room) {
        this.sizes = new AdaptiveRecvByteBufAllocator(4096, 64 * 1024, maxRead);
        this.room = room;
    }

    @Override
    public Handle newHandle() {
        return new DelegatingHandle(sizes.newHandle()) {
            @Override
            public int guess() {
                return (int) Math.max(1, Math.min(delegate().guess(), room.getAsLong()));
            }

            @Override
            public ByteBuf allocate(ByteBufAllocator alloc) {
                return alloc.ioBuffer(guess());
            }
        };
    }
}
