package dev.tandem.hardware;

import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.UBootArm64;
import java.nio.file.Path;

/** The update scenarios on U-Boot (qemu_arm64) with contrib/boot.cmd: about 2 s a boot. */
class UBootArm64BootTest extends BootScenarios {

    @Override
    BootPlatform platform(Path dir) {
        return new UBootArm64(dir);
    }
}
