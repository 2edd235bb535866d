package dev.tandem.hardware;

import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.GrubBios;
import java.nio.file.Path;

/** The update scenarios on GRUB 2.06 (i386-pc, SeaBIOS) with contrib/grub.cfg: about 7 s a boot. */
class GrubBiosBootTest extends BootScenarios {

    @Override
    BootPlatform platform(Path dir) {
        return new GrubBios();
    }
}
