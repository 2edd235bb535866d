package dev.tandem.install.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CappedReads}: a socket read never takes more than the room left under the connection's cap. */
class CappedReadsTest {

    final AtomicLong room = new AtomicLong(Long.MAX_VALUE);
    final RecvByteBufAllocator.Handle handle = new CappedReads(256 * 1024, room::get).newHandle();

    @Test
    void readsWhatTheAdaptivePredictorGuessesWhileThereIsRoom() {
        assertThat(handle.guess()).isEqualTo(64 * 1024);
        assertThat(capacityOfNextRead()).isEqualTo(64 * 1024);
    }

    @Test
    void cutsAReadToTheRoomLeft() {
        room.set(10_000);
        assertThat(handle.guess()).isEqualTo(10_000);
        assertThat(capacityOfNextRead()).isEqualTo(10_000);
    }

    @Test
    void stillReadsOneByteWhenTheInboxIsAtOrPastItsCap() {
        // An armed read that found no buffer room would return nothing and stay armed: a busy loop.
        for (long left : new long[] {0, -300_000}) {
            room.set(left);
            assertThat(capacityOfNextRead()).isEqualTo(1);
        }
    }

    private int capacityOfNextRead() {
        ByteBuf b = handle.allocate(ByteBufAllocator.DEFAULT);
        try {
            return b.writableBytes();
        } finally {
            b.release();
        }
    }
}
