package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.GuestHealth;
import dev.tandem.hardware.rig.UBootArm64;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The update scenarios on U-Boot (qemu_arm64) with contrib/boot.cmd: about 2 s a boot. */
class UBootArm64BootTest extends BootScenarios {

    @Override
    BootPlatform platform(Path dir) {
        return new UBootArm64(dir);
    }

    /**
     * With {@code boot-attempts = 3} (RAUC's default) a trial that is never confirmed boots three times, counted
     * down by contrib/boot.cmd, before U-Boot falls back; boot-check then re-arms the old slot to three.
     */
    @Test
    void threeAttemptsBeforeFallback() throws IOException {
        try (EmulatedDevice d = factory().device("three-attempts")) {
            d.bootAttempts(3);
            d.install(factory().bundle(GuestHealth.NO_BOOT_CHECK));
            assertThat(slot(d.status(), "B").path("bootloader").path("attempts-left").asInt()).isEqualTo(3);
            for (int i = 1; i <= 3; i++) {
                d.boot("try " + i + " of 3 of " + V2 + ", never confirmed", "B", V2);
            }
            BootRecord fallback = d.boot("fallback to " + V1 + " after three tries", "A", V1);
            JsonNode check = d.bootCheck(fallback);
            d.expectOutcome(check, "STAYED_GOOD");
            assertThat(check.path("fell-back-from").asText()).isEqualTo("rootfs.1");
            JsonNode after = d.status();
            assertThat(slot(after, "A").path("bootloader").path("attempts-left").asInt()).as("A re-armed")
                    .isEqualTo(3);
            assertThat(slot(after, "B").path("state").asText()).isEqualTo("bad");
            d.passed();
        }
    }
}
