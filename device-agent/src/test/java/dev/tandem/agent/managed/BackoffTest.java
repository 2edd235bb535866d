package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesWithJitterUpToTheCapAndStartsOverAfterASuccess() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
        long[] expected = {1000, 2000, 4000, 8000, 10_000, 10_000};
        for (int round = 0; round < 50; round++) {
            for (long full : expected) {
                assertThat(b.next().toMillis()).isBetween(full / 2, full);
            }
            assertThat(b.failures()).isEqualTo(expected.length);
            b.reset();
        }
    }
}
