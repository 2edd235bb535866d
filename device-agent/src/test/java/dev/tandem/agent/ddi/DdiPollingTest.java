package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DdiPollingTest {

    @Test
    void readsHoursMinutesAndSeconds() {
        assertThat(new DdiPolling("00:00:10").duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(new DdiPolling("01:02:03").duration()).isEqualTo(Duration.ofSeconds(3723));
        assertThat(new DdiPolling("100:00:00").duration()).isEqualTo(Duration.ofHours(100));
    }

    @Test
    void rejectsWhatIsNotHhMmSs() {
        for (String bad : new String[] {"10", "00:60:00", "00:00:60", "1:2:3", "", "PT10S", "-1:00:00"}) {
            assertThatThrownBy(() -> new DdiPolling(bad).duration()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HH:MM:SS");
        }
        assertThatThrownBy(() -> new DdiPolling(null).duration()).isInstanceOf(IllegalArgumentException.class);
    }
}
