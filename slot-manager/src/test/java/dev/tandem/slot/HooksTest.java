package dev.tandem.slot;

import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.config.HooksConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HooksTest {

    @TempDir
    Path dir;

    private final Slot target = new Slot("rootfs.1", "rootfs", "B", Path.of("/dev/mmcblk0p3"), null);

    private Path script(String body) throws IOException {
        Path p = dir.resolve("hook.sh");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void aHookSeesTheTandemEnvironment() throws IOException {
        Path out = dir.resolve("env");
        Hooks hooks = new Hooks(new HooksConfig(null, script("env | grep ^TANDEM_ | sort > '" + out + "'"), null, null),
                "acme", dir.resolve("data"));

        Hooks.HookResult r = hooks.run(Hooks.Hook.POST_INSTALL, Hooks.environment(target, "ab12", "2.1.0", null));

        assertThat(r.ok()).isTrue();
        assertThat(r.ran()).isTrue();
        assertThat(Files.readAllLines(out)).containsExactly("TANDEM_BOOTNAME=B", "TANDEM_BUNDLE_ID=ab12",
                "TANDEM_CLASS=rootfs", "TANDEM_COMPATIBLE=acme", "TANDEM_DATA_DIR=" + dir.resolve("data"),
                "TANDEM_DEVICE=/dev/mmcblk0p3", "TANDEM_HOOK=post-install", "TANDEM_SLOT=rootfs.1",
                "TANDEM_VERSION=2.1.0");
    }

    @Test
    void anUnconfiguredHookCountsAsSuccess() {
        Hooks.HookResult r = new Hooks(HooksConfig.none(), "acme", dir).run(Hooks.Hook.ON_FALLBACK, java.util.Map.of());

        assertThat(r.ran()).isFalse();
        assertThat(r.ok()).isTrue();
    }

    @Test
    void aPreInstallVetoIsAPolicyRefusalWithTheHooksReason() throws IOException {
        Hooks hooks = new Hooks(new HooksConfig(script("echo battery at 9 %; exit 1"), null, null, null), "acme", dir);

        assertThatThrownBy(() -> hooks.require(Hooks.Hook.PRE_INSTALL, Hooks.environment(target, null, null, null)))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.HOOK_FAILED))
                .hasMessage("pre-install hook " + dir.resolve("hook.sh") + " exited 1: battery at 9 %");
    }

    @Test
    void aHookThatHangsIsKilledAfterItsTimeout() throws IOException {
        Hooks hooks = new Hooks(new HooksConfig(null, null, script("sleep 30"), null), "acme", dir,
                Duration.ofMillis(500));

        Hooks.HookResult r = hooks.run(Hooks.Hook.POST_MARK_GOOD, java.util.Map.of());

        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).endsWith("timed out after 500 ms");
    }
}
