package dev.tandem.agent.feed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which entry a device takes: stepping stones by min-version, and the phased roll-out. */
class FeedChoiceTest {

    static final String V15 = "1".repeat(64);
    static final String V20 = "2".repeat(64);

    static Feed feed(Integer phased20) {
        return new Feed("stable", Instant.EPOCH, Instant.MAX, List.of(
                new FeedEntry("dev", "1.5.0", 0, V15, 100, "rootfs-1.5.0.tandem", null, null),
                new FeedEntry("dev", "2.0.0", 0, V20, 100, "rootfs-2.0.0.tandem", phased20, "1.5.0"),
                new FeedEntry("other", "9.0.0", 0, "9".repeat(64), 100, "other.tandem", null, null)));
    }

    @Test
    void anOldDeviceIsLedOverTheSteppingStone() {
        assertThat(FeedChoice.choose(feed(null), "dev", "1.0.0", "d1").map(FeedEntry::version)).hasValue("1.5.0");
        assertThat(FeedChoice.choose(feed(null), "dev", "1.5.0", "d1").map(FeedEntry::version)).hasValue("2.0.0");
        assertThat(FeedChoice.choose(feed(null), "dev", "2.0.0", "d1").map(FeedEntry::version)).hasValue("2.0.0");
        // Factory-flashed, version unknown: it cannot show that it reaches a min-version; the stepping stone.
        assertThat(FeedChoice.choose(feed(null), "dev", null, "d1").map(FeedEntry::version)).hasValue("1.5.0");
    }

    @Test
    void anotherCompatibleGetsNothing() {
        assertThat(FeedChoice.choose(feed(null), "unknown-board", "1.0.0", "d1")).isEmpty();
    }

    @Test
    void phasedTenPercentSelectsAboutOneDeviceInTenAndAlwaysTheSameOnes() {
        int selected = 0;
        for (int i = 0; i < 1000; i++) {
            String id = "device-" + i;
            Optional<FeedEntry> e = FeedChoice.choose(feed(10), "dev", "1.5.0", id);
            boolean in = e.map(FeedEntry::bundleId).orElseThrow().equals(V20);
            if (in) {
                selected++;
            }
            // The same device decides the same, every time.
            for (int k = 0; k < 3; k++) {
                assertThat(FeedChoice.choose(feed(10), "dev", "1.5.0", id).orElseThrow().bundleId())
                        .isEqualTo(in ? V20 : V15);
            }
            // Raising the percentage only adds devices.
            if (in) {
                assertThat(FeedChoice.inPhase(id, V20, 50)).isTrue();
            }
        }
        // Binomial(1000, 0.1): mean 100, standard deviation 9.5; 70..130 is more than three of them.
        assertThat(selected).isBetween(70, 130);
    }

    @Test
    void zeroPercentSelectsNobodyAndHundredEverybody() {
        for (int i = 0; i < 200; i++) {
            assertThat(FeedChoice.inPhase("d" + i, V20, 0)).isFalse();
            assertThat(FeedChoice.inPhase("d" + i, V20, 100)).isTrue();
        }
    }

    @Test
    void eachBundleDrawsItsOwnSample() {
        int both = 0;
        for (int i = 0; i < 1000; i++) {
            if (FeedChoice.inPhase("d" + i, V20, 10) && FeedChoice.inPhase("d" + i, V15, 10)) {
                both++;
            }
        }
        // Independent samples: about 1 % in both, not the same 10 %.
        assertThat(both).isLessThan(40);
    }
}
