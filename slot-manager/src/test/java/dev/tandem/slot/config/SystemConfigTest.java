package dev.tandem.slot.config;

import static dev.tandem.slot.ConfigReasons.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.ConfigException;
import dev.tandem.boot.BootloaderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemConfigTest {

    @TempDir
    Path dir;

    private static final String SLOTS = """
            [slots."rootfs.0"]
            partlabel = "rootfs-a"
            class = "rootfs"
            bootname = "A"
            [slots."rootfs.1"]
            partlabel = "rootfs-b"
            class = "rootfs"
            bootname = "B"
            """;

    @BeforeEach
    void keyring() throws IOException {
        Files.writeString(dir.resolve("keyring.pem"), "anchors\n");
        Path hook = dir.resolve("hook.sh");
        Files.writeString(hook, "#!/bin/sh\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("ca.pem"), "ca\n");
    }

    private SystemConfig load(String toml) throws IOException {
        Path file = dir.resolve("system.toml");
        Files.writeString(file, toml);
        return SystemConfig.load(file);
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> refuses(String toml) {
        return assertThatThrownBy(() -> load(toml)).isInstanceOf(ConfigException.class);
    }

    @Nested
    class ValidConfigs {

        @Test
        void theDesignDocumentsExampleParsesWithDefaults() throws IOException {
            SystemConfig c = load("""
                    compatible = "acme-gw-v2"
                    bootloader = "uboot"
                    data-dir   = "/data/tandem"
                    keyring    = "keyring.pem"
                    [bootloader-options]
                    fw-env-config = "/etc/fw_env.config"
                    """ + SLOTS);

            assertThat(c.compatible()).isEqualTo("acme-gw-v2");
            assertThat(c.keyring()).isEqualTo(dir.resolve("keyring.pem"));
            assertThat(c.checkSignerTime()).isTrue();
            assertThat(c.signaturesRequired()).isEqualTo(1);
            assertThat(c.rebootCommand()).isEqualTo("reboot");
            assertThat(c.bootloaderSettings().bootAttempts()).isEqualTo(1);
            assertThat(c.health().timeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(c.agent().tenant()).isEqualTo("DEFAULT");
            assertThat(c.slots()).extracting(SlotConfig::name).containsExactly("rootfs.0", "rootfs.1");
            assertThat(c.bootnames()).containsExactly("A", "B");
        }

        @Test
        void theDataDirDefaultsToDataTandem() throws IOException {
            SystemConfig c = load("compatible = \"x\"\nbootloader = \"grub\"\nkeyring = \"keyring.pem\"\n" + SLOTS);

            assertThat(c.dataDir()).isEqualTo(Path.of("/data/tandem"));
            assertThat(c.bootloaderSettings().grubenv()).isEqualTo(Path.of("/boot/grub/grubenv"));
        }

        @Test
        void everyKeyOfTheDesignTableIsAccepted() throws IOException {
            SystemConfig c = load("""
                    compatible = "acme"
                    bootloader = "efi"
                    data-dir = "data"
                    keyring = "keyring.pem"
                    check-signer-time = false
                    signatures-required = 2
                    allowed-signers = ["CN=release", "CN=security"]
                    reboot-command = "systemctl reboot"
                    [bootloader-options]
                    boot-attempts = 3
                    efi-entries = { A = "0001", B = "000A" }
                    [anti-rollback]
                    initial-floor = 4
                    version-file = "floor"
                    [http]
                    ca-file = "ca.pem"
                    client-cert = "ca.pem"
                    client-key = "ca.pem"
                    headers = { X-Device = "gw-17" }
                    max-rate = 1048576
                    connect-timeout = "5s"
                    stall-timeout = "2m"
                    retries = 9
                    [health]
                    commands = ["true", "curl -sf http://localhost/health"]
                    units = ["app.service"]
                    min-uptime = "90s"
                    timeout = "500ms"
                    fallback-from-good = true
                    [hooks]
                    pre-install = "hook.sh"
                    post-install = "hook.sh"
                    post-mark-good = "hook.sh"
                    on-fallback = "hook.sh"
                    [agent]
                    server = "https://hawkbit.example.com"
                    tenant = "acme"
                    controller-id = "gw-17"
                    auth = "target-token"
                    token-file = "token"
                    ca-file = "ca.pem"
                    standalone-dirs = ["/media"]
                    auto-reboot = false
                    max-requests = 50
                    allow-foreign-artifact-hosts = true
                    """ + SLOTS + """
                    [slots."appfs.0"]
                    device = "/dev/mmcblk0p5"
                    parent = "rootfs.0"
                    [slots."appfs.1"]
                    partition = 6
                    parent = "rootfs.1"
                    """);

            assertThat(c.dataDir()).isEqualTo(dir.resolve("data"));
            assertThat(c.allowedSigners()).containsExactly("CN=release", "CN=security");
            assertThat(c.bootloaderSettings().efiEntries()).containsEntry("B", "000A");
            assertThat(c.antiRollback()).isEqualTo(new AntiRollbackConfig(4, dir.resolve("floor")));
            assertThat(c.http().headers()).containsEntry("X-Device", "gw-17");
            assertThat(c.http().stallTimeout()).isEqualTo(Duration.ofMinutes(2));
            assertThat(c.health().minUptime()).isEqualTo(Duration.ofSeconds(90));
            assertThat(c.health().timeout()).isEqualTo(Duration.ofMillis(500));
            assertThat(c.hooks().onFallback()).isEqualTo(dir.resolve("hook.sh"));
            assertThat(c.agent().autoReboot()).isFalse();
            assertThat(c.agent().allowForeignArtifactHosts()).isTrue();
            assertThat(c.agent().tokenFile()).isEqualTo(dir.resolve("token"));
            assertThat(c.slot("appfs.1").orElseThrow().partition()).isEqualTo(6);
            assertThat(c.slot("appfs.0").orElseThrow().slotClass()).isEqualTo("appfs");
            assertThat(c.bootnames()).containsExactly("A", "B");
        }

        @Test
        void theExampleInConfigMdParses() throws IOException {
            String doc = Files.readString(Path.of("CONFIG.md"));
            String example = doc.substring(doc.lastIndexOf("```toml") + 7, doc.lastIndexOf("```"))
                    .replace("/etc/tandem/keyring.pem", "keyring.pem")
                    .replace("/usr/lib/tandem/post-install", "hook.sh");

            SystemConfig c = load(example);

            assertThat(c.slots()).extracting(SlotConfig::name).containsExactly("rootfs.0", "rootfs.1", "appfs.0",
                    "appfs.1");
            assertThat(c.bootloaderSettings().bootAttempts()).isEqualTo(3);
        }

        @Test
        void bootloaderOptionsCarryTheFileAdaptersEnvInTheDataDir() throws IOException {
            SystemConfig c = load("compatible = \"x\"\nbootloader = \"file\"\ndata-dir = \"d\"\nkeyring = \"keyring.pem\"\n"
                    + "[bootloader-options]\nboot-attempts = 2\n" + SLOTS);

            BootloaderOptions o = c.bootloaderOptions();

            assertThat(o.fileEnv()).isEqualTo(dir.resolve("d/file-bootloader.json"));
            assertThat(o.bootnames()).containsExactly("A", "B");
            assertThat(o.bootAttempts()).isEqualTo(2);
            assertThat(o.efivarsDir()).isEqualTo(Path.of("/sys/firmware/efi/efivars"));
            assertThat(o.grubenv()).isNull();
        }
    }

    @Nested
    class InvalidConfigs {

        private static final String HEAD = "compatible = \"x\"\nbootloader = \"uboot\"\nkeyring = \"keyring.pem\"\n";

        @Test
        void anUnknownTopLevelKeyIsNamedWithTheFile() {
            refuses(HEAD + "compatibel = \"y\"\n" + SLOTS)
                    .satisfies(reason(ConfigException.Reason.UNKNOWN_KEY))
                    .hasMessageContaining(dir.resolve("system.toml").toString()).hasMessageContaining("'compatibel'");
        }

        @Test
        void anUnknownKeyInATableIsNamedWithItsTable() {
            refuses(HEAD + "[health]\ncommand = [\"true\"]\n" + SLOTS)
                    .satisfies(reason(ConfigException.Reason.UNKNOWN_KEY)).hasMessageContaining("[health]");
        }

        @Test
        void anUnknownKeyInASlotIsNamedWithItsSlot() {
            refuses(HEAD + SLOTS + "bootnam = \"C\"\n")
                    .satisfies(reason(ConfigException.Reason.UNKNOWN_KEY)).hasMessageContaining("rootfs.1");
        }

        @Test
        void aMissingCompatibleIsRefused() {
            refuses("bootloader = \"uboot\"\nkeyring = \"keyring.pem\"\n" + SLOTS)
                    .satisfies(reason(ConfigException.Reason.MISSING_KEY)).hasMessageContaining("compatible");
        }

        @Test
        void anUnknownBootloaderIsRefused() {
            refuses("compatible = \"x\"\nbootloader = \"lilo\"\nkeyring = \"keyring.pem\"\n" + SLOTS)
                    .hasMessageContaining("bootloader: must be one of grub, uboot, barebox, efi, custom, file");
        }

        @Test
        void aMissingKeyringFileIsRefused() {
            refuses("compatible = \"x\"\nbootloader = \"uboot\"\nkeyring = \"nope.pem\"\n" + SLOTS)
                    .hasMessageContaining("keyring: " + dir.resolve("nope.pem") + " does not exist");
        }

        @Test
        void anOptionOfAnotherBootloaderIsRefused() {
            refuses(HEAD + "[bootloader-options]\ngrubenv = \"/boot/grub/grubenv\"\n" + SLOTS)
                    .hasMessageContaining("grubenv: applies to bootloader grub, not uboot");
        }

        @Test
        void aDuplicateDeviceIsRefused() {
            refuses(HEAD + """
                    [slots."rootfs.0"]
                    device = "/dev/sda2"
                    bootname = "A"
                    [slots."rootfs.1"]
                    device = "/dev/sda2"
                    bootname = "B"
                    """).hasMessageContaining("[slots.\"rootfs.1\"]: same device=/dev/sda2 as slot rootfs.0");
        }

        @Test
        void aClassWithOneSlotIsRefused() {
            refuses(HEAD + """
                    [slots."rootfs.0"]
                    partition = 2
                    bootname = "A"
                    """).hasMessageContaining("class rootfs has 1 slot(s) (rootfs.0); an A/B class needs exactly two");
        }

        @Test
        void aSlotNameThatIsNotClassDotNumberIsRefused() {
            refuses(HEAD + SLOTS + "[slots.rootfs-c]\npartition = 3\nbootname = \"C\"\n")
                    .hasMessageContaining("[slots.\"rootfs-c\"]: slot name must be <class>.<n>");
        }

        @Test
        void aClassThatContradictsTheSlotNameIsRefused() {
            refuses(HEAD + SLOTS.replaceFirst("class = \"rootfs\"", "class = \"boot\""))
                    .hasMessageContaining("class: is 'boot', but the slot's name says class 'rootfs'");
        }

        @Test
        void bothDeviceAndPartuuidAreRefused() {
            refuses(HEAD + SLOTS.replaceFirst("partlabel = \"rootfs-a\"",
                    "partlabel = \"rootfs-a\"\ndevice = \"/dev/sda2\""))
                    .hasMessageContaining("needs exactly one of partuuid, partlabel, partition or device, found 2");
        }

        @Test
        void aMalformedPartuuidIsRefused() {
            refuses(HEAD + SLOTS.replaceFirst("partlabel = \"rootfs-a\"", "partuuid = \"not-a-uuid\""))
                    .hasMessageContaining("partuuid: must be a GPT GUID or an MBR SSSSSSSS-NN");
        }

        @Test
        void duplicateBootnamesAreRefused() {
            refuses(HEAD + SLOTS.replace("bootname = \"B\"", "bootname = \"A\""))
                    .hasMessageContaining("bootname 'A' is also slot rootfs.0's");
        }

        @Test
        void aParentThatDoesNotExistIsRefused() {
            refuses(HEAD + SLOTS + """
                    [slots."appfs.0"]
                    partition = 5
                    parent = "rootfs.7"
                    [slots."appfs.1"]
                    partition = 6
                    parent = "rootfs.1"
                    """).hasMessageContaining("[slots.\"appfs.0\"]: parent 'rootfs.7' is not a configured slot");
        }

        @Test
        void aParentOfTheSameClassIsRefused() {
            refuses(HEAD + SLOTS.replace("bootname = \"B\"", "parent = \"rootfs.0\""))
                    .hasMessageContaining("parent rootfs.0 is of the same class");
        }

        @Test
        void twoChildrenOfOneParentAreRefused() {
            refuses(HEAD + SLOTS + """
                    [slots."appfs.0"]
                    partition = 5
                    parent = "rootfs.0"
                    [slots."appfs.1"]
                    partition = 6
                    parent = "rootfs.0"
                    """).hasMessageContaining("parent rootfs.0 already has slot appfs.0 of this class");
        }

        @Test
        void aSlotWithoutParentNeedsABootname() {
            refuses(HEAD + SLOTS.replace("bootname = \"B\"\n", ""))
                    .hasMessageContaining("[slots.\"rootfs.1\"] bootname: required for a slot without a parent");
        }

        @Test
        void aDataDirInsideASlotIsRefused() {
            refuses("compatible = \"x\"\nbootloader = \"file\"\nkeyring = \"keyring.pem\"\ndata-dir = \"slot-a/data\"\n"
                    + "[slots.\"rootfs.0\"]\ndevice = \"slot-a\"\nbootname = \"A\"\n"
                    + "[slots.\"rootfs.1\"]\ndevice = \"slot-b\"\nbootname = \"B\"\n")
                    .hasMessageContaining("data-dir: " + dir.resolve("slot-a/data") + " is inside slot rootfs.0");
        }

        @Test
        void aMissingHookIsRefused() {
            refuses(HEAD + "[hooks]\npre-install = \"missing.sh\"\n" + SLOTS)
                    .hasMessageContaining("[hooks] pre-install: " + dir.resolve("missing.sh") + " does not exist");
        }

        @Test
        void aHookThatIsNotExecutableIsRefused() {
            refuses(HEAD + "[hooks]\npre-install = \"keyring.pem\"\n" + SLOTS)
                    .hasMessageContaining("is not executable");
        }

        @Test
        void aMalformedDurationIsRefused() {
            refuses(HEAD + "[health]\ntimeout = \"soon\"\n" + SLOTS)
                    .hasMessageContaining("[health] timeout: must be seconds or a duration like");
        }

        @Test
        void aWrongTypeIsRefused() {
            refuses(HEAD + "check-signer-time = \"yes\"\n" + SLOTS)
                    .hasMessageContaining("check-signer-time: must be true or false");
        }

        @Test
        void aClientCertWithoutKeyIsRefused() {
            refuses(HEAD + "[http]\nclient-cert = \"ca.pem\"\n" + SLOTS)
                    .hasMessageContaining("client-cert and client-key go together");
        }

        @Test
        void aTokenAuthWithoutTokenFileIsRefused() {
            refuses(HEAD + "[agent]\nauth = \"gateway-token\"\n" + SLOTS)
                    .hasMessageContaining("[agent] token-file: required with auth = \"gateway-token\"");
        }

        @Test
        void efiEntriesForAnUnknownBootnameAreRefused() {
            refuses("compatible = \"x\"\nbootloader = \"efi\"\nkeyring = \"keyring.pem\"\n"
                    + "[bootloader-options]\nefi-entries = { C = \"0001\" }\n" + SLOTS)
                    .hasMessageContaining("efi-entries: 'C' is not a slot's bootname");
        }

        @Test
        void aCustomBootloaderWithoutScriptIsRefused() {
            refuses("compatible = \"x\"\nbootloader = \"custom\"\nkeyring = \"keyring.pem\"\n" + SLOTS)
                    .hasMessageContaining("script: required for bootloader custom");
        }

        @Test
        void errorsNameTheLineAndColumnOfTheKey() {
            String file = dir.resolve("system.toml").toString();
            // HEAD is lines 1-3; [health] line 4; timeout on line 5, indented by 4.
            refuses(HEAD + "[health]\n    timeout = \"soon\"\n" + SLOTS)
                    .hasMessageStartingWith("config " + file + ":5:5: [health] timeout: must be seconds");
            refuses(HEAD + "compatibel = \"y\"\n" + SLOTS)
                    .hasMessageStartingWith("config " + file + ":4:1: top level: unknown key 'compatibel'");
            refuses(HEAD + "[http]\nconnect-timeout = \"1s\"\n  \"max-rate\" = true\n" + SLOTS)
                    .hasMessageStartingWith("config " + file + ":6:3: [http] max-rate: must be");
            refuses(HEAD + SLOTS + "[slots.'rootfs.1'.x]\n")
                    .hasMessageStartingWith("config " + file + ":12:1: ");
            refuses(HEAD + "bootloader-options.script = 3\n" + SLOTS)
                    .hasMessageStartingWith("config " + file + ":4:1: ");
        }

        @Test
        void invalidTomlIsRefusedWithTheLineAndColumn() {
            refuses(HEAD + "\ncompatible = \n").hasMessageContaining("not valid TOML")
                    .hasMessageStartingWith("config " + dir.resolve("system.toml") + ":5:");
        }

        @Test
        void invalidTomlIsRefusedWithTheFile() {
            refuses("compatible = \n").hasMessageContaining("not valid TOML");
        }

        @Test
        void aMissingFileIsRefused() {
            assertThatThrownBy(() -> SystemConfig.load(dir.resolve("absent.toml")))
                    .satisfies(reason(ConfigException.Reason.NO_FILE)).hasMessageContaining("absent.toml");
        }
    }
}
