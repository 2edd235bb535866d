package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.GrubBios;
import dev.tandem.hardware.rig.GuestHealth;
import dev.tandem.hardware.rig.HostCommand;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** The update scenarios on GRUB 2.06 (i386-pc, SeaBIOS) with contrib/grub.cfg: about 7 s a boot. */
class GrubBiosBootTest extends BootScenarios {

    @Override
    BootPlatform platform(Path dir) {
        return new GrubBios();
    }

    /**
     * GRUB's own {@code save_env} rewrites grubenv in place, so a power cut during it can leave the block torn;
     * here it is zeroed. contrib/grub.cfg then reads grubenv.bak (which tandem writes first on every change) and
     * saves its try flag there; tandem reads the same file, and its next write (boot-check's mark-good) makes
     * grubenv whole again, which GRUB uses on the boot after.
     */
    @Test
    void tornGrubenvFallsBackToTheBackup() throws IOException {
        try (EmulatedDevice d = factory().device("torn-grubenv")) {
            d.install(factory().bundle(GuestHealth.HEALTHY));
            Path grubenv = d.view().bootMount().orElseThrow().resolve("grub/grubenv");
            try (FileChannel ch = FileChannel.open(grubenv, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(1024), 0); // in place, as GRUB writes: same blocks, now zeros
                ch.force(true);
            }
            d.log().step("grubenv zeroed in place (a torn GRUB save_env); tandem reads the next boot as: "
                    + d.nextBootPerTandem());
            assertThat(d.nextBootPerTandem()).as("tandem reads grubenv.bak").isEqualTo("B");

            BootRecord trial = d.boot("trial of " + V2 + ", chosen from grubenv.bak", "B", V2);
            Path grubDir = d.view().bootMount().orElseThrow().resolve("grub");
            String bak = HostCommand.of("grub-editenv", grubDir.resolve("grubenv.bak").toString(), "list").ok();
            d.log().output("grub-editenv grubenv.bak list", bak);
            assertThat(bak).as("GRUB saved B's try into grubenv.bak").contains("B_TRY=1");
            d.expectOutcome(d.bootCheck(trial), "MARKED_GOOD");
            String env = HostCommand.of("grub-editenv", grubDir.resolve("grubenv").toString(), "list").ok();
            d.log().output("grub-editenv grubenv list", env);
            assertThat(env).as("grubenv rewritten by mark-good").contains("ORDER=B A").contains("B_OK=1");
            d.boot(V2 + " is kept, from grubenv", "B", V2);
            d.passed();
        }
    }
}
