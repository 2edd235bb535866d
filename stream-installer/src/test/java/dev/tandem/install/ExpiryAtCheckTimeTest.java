package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.VerificationException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle's {@code expires} is judged at the same instant as its signer's certificates: max(clock, time floor).
 * A device whose clock was reset to before what it already knows (the created time of the last bundle marked good)
 * refuses a bundle that expired in between.
 */
class ExpiryAtCheckTimeTest {

    @TempDir
    Path dir;

    @Test
    void aBundleThatExpiredBetweenAResetClockAndTheTimeFloorIsRefused() throws IOException {
        TestDevice device = TestDevice.create(dir.resolve("device"), 1L << 20, "");
        Instant floor = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path v1 = dir.resolve("v1.tandem");
        device.bundle("1.0.0").created(floor)
                .image("rootfs", "rootfs", TestDevice.randomImage(dir.resolve("v1.img"), 256 << 10, 1)).write(v1);
        device.install(v1);
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots booted = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "boot-check")) {
            booted.markGood(booted.booted());
        }
        assertThat(device.slots().current().timeFloor()).isEqualTo(floor);

        Instant resetClock = floor.minus(Duration.ofDays(30));
        Instant expires = floor.minus(Duration.ofDays(10));
        Path v2 = dir.resolve("v2.tandem");
        device.bundle("2.0.0").created(resetClock.minus(Duration.ofDays(1))).expires(expires)
                .image("rootfs", "rootfs", TestDevice.randomImage(dir.resolve("v2.img"), 256 << 10, 2)).write(v2);

        InstallSettings settings = InstallSettings.defaults().withClock(Clock.fixed(resetClock, ZoneOffset.UTC));
        try (BundleSource source = FileSource.open(v2)) {
            assertThatThrownBy(() -> device.installer(settings).install(source, InstallOptions.defaults(),
                    InstallListener.NONE))
                    .isInstanceOf(VerificationException.class)
                    .hasMessageContaining("bundle expired on " + expires)
                    .hasMessageContaining("checked at " + floor);
        }
        assertThat(device.state(TestDevice.SLOT_A)).isEqualTo(SlotState.GOOD);
        assertThat(device.bootloader().primary()).hasValue("B");
    }
}
