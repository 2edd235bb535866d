package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.storage.DurableFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrubEnvAdapterTest extends BootloaderAdapterContract {

    @TempDir
    Path dir;

    Path grubenv() {
        return dir.resolve("grubenv");
    }

    Path backup() {
        return dir.resolve("grubenv.bak");
    }

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() throws Exception {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("ORDER", "A B");
        vars.put("A_OK", "1");
        vars.put("A_TRY", "0");
        vars.put("B_OK", "0");
        vars.put("B_TRY", "0");
        Files.write(grubenv(), GrubEnvBlock.of(vars).toBytes());
        Files.write(backup(), GrubEnvBlock.of(vars).toBytes());
        return reopen();
    }

    @Override
    protected BootloaderAdapter reopen() {
        return new GrubEnvAdapter(DurableFile.at(grubenv()), DurableFile.at(backup()), List.of("A", "B"), 1);
    }

    @Override
    protected List<Path> storage() {
        return List.of(dir);
    }

    @Override
    protected String expectedName() {
        return "grub";
    }

    GrubEnvBlock block(Path p) throws Exception {
        return GrubEnvBlock.parse(Files.readAllBytes(p)).orElseThrow();
    }

    @Test
    void tryOnceWritesRaucsVariablesToBothFiles() throws Exception {
        adapter.setTryOnce("B");
        assertThat(block(grubenv()).vars()).containsEntry("ORDER", "B A").containsEntry("B_OK", "1")
                .containsEntry("B_TRY", "0").containsEntry("A_OK", "1");
        assertThat(Files.readAllBytes(backup())).isEqualTo(Files.readAllBytes(grubenv()));
        assertThat(Files.size(grubenv())).isEqualTo(1024);
    }

    @Test
    void markBadClearsOkAndKeepsTheOrder() throws Exception {
        adapter.setTryOnce("B");
        adapter.markBad("B");
        assertThat(block(grubenv()).vars()).containsEntry("ORDER", "B A").containsEntry("B_OK", "0");
    }

    @Test
    void rearmClearsTheTryFlagGrubSet() throws Exception {
        Map<String, String> vars = new LinkedHashMap<>(block(grubenv()).vars());
        vars.put("A_TRY", "1"); // what grub.cfg saves when it boots A
        Files.write(grubenv(), GrubEnvBlock.of(vars).toBytes());
        assertThat(adapter.state("A")).isEqualTo(new BootSlotState("A", false, 0));
        adapter.rearm("A");
        assertThat(block(grubenv()).vars()).containsEntry("A_TRY", "0").containsEntry("A_OK", "1");
        assertThat(adapter.state("A")).isEqualTo(new BootSlotState("A", true, 1));
    }

    @Test
    void readsTheBackupWhenGrubenvIsNotAnEnvironmentBlock() throws Exception {
        adapter.setTryOnce("B");
        Files.write(grubenv(), "garbage".getBytes(StandardCharsets.US_ASCII));
        assertThat(reopen().primary()).contains("B");
    }

    @Test
    void readsTheBackupWhenGrubenvHasNoOrder() throws Exception {
        adapter.setTryOnce("B");
        Files.write(grubenv(), GrubEnvBlock.of(Map.of("A_OK", "1")).toBytes());
        assertThat(reopen().primary()).contains("B");
    }

    @Test
    void repairsGrubenvFromTheBackupOnTheNextWrite() throws Exception {
        adapter.setTryOnce("B");
        Files.delete(grubenv());
        reopen().markGood("B");
        assertThat(block(grubenv()).vars()).containsEntry("ORDER", "B A").containsEntry("B_OK", "1");
    }

    @Test
    void reportsNoBootableSlotWhenNeitherFileIsUsable() throws Exception {
        Files.delete(grubenv());
        Files.delete(backup());
        BootloaderAdapter a = reopen();
        assertThat(a.primary()).isEmpty();
        a.markGood("A");
        assertThat(block(grubenv()).vars()).containsEntry("ORDER", "A B").containsEntry("A_OK", "1");
    }

    @Test
    void keepsVariablesItDoesNotKnow() throws Exception {
        Map<String, String> vars = new LinkedHashMap<>(block(grubenv()).vars());
        vars.put("saved_entry", "tandem-A");
        vars.put("odd", "back\\slash\nnew line");
        Files.write(grubenv(), GrubEnvBlock.of(vars).toBytes());
        adapter.setTryOnce("B");
        assertThat(block(grubenv()).vars()).containsEntry("saved_entry", "tandem-A")
                .containsEntry("odd", "back\\slash\nnew line");
        assertThat(block(backup()).vars()).containsEntry("saved_entry", "tandem-A");
    }

    @Test
    void mirrorsTheSecurityFloorAndNeverLowersIt() {
        assertThat(adapter.securityFloor()).isEmpty();
        adapter.raiseSecurityFloor(7);
        adapter.raiseSecurityFloor(3);
        assertThat(reopen().securityFloor()).isEqualTo(OptionalLong.of(7));
    }

    @Test
    void refusesMoreThanOneBootAttempt() {
        assertThatThrownBy(() -> new GrubEnvAdapter(DurableFile.at(grubenv()), DurableFile.at(backup()),
                List.of("A", "B"), 3)).isInstanceOf(BootloaderException.class).hasMessageContaining("boot-attempts");
    }

    @Test
    void placesTheBackupBesideGrubenv() {
        assertThat(GrubEnvAdapter.backupOf(Path.of("/boot/grub/grubenv"))).isEqualTo(Path.of("/boot/grub/grubenv.bak"));
    }

    /** Interoperation with the real grub-editenv, both ways. */
    @Nested
    class WithGrubEditenv {

        String editenv(String... args) {
            assumeTrue(Tools.installed("grub-editenv"), "grub-editenv not installed");
            List<String> cmd = new java.util.ArrayList<>(List.of("grub-editenv", grubenv().toString()));
            cmd.addAll(List.of(args));
            return Tools.ok(cmd);
        }

        @Test
        void readsAnEnvironmentGrubEditenvCreated() throws Exception {
            Files.delete(grubenv());
            editenv("create");
            editenv("set", "ORDER=B A", "A_OK=1", "A_TRY=1", "B_OK=1", "B_TRY=0", "user=x");
            BootloaderAdapter a = reopen();
            assertThat(a.primary()).contains("B");
            assertThat(a.state("A")).isEqualTo(new BootSlotState("A", false, 0));
        }

        @Test
        void grubEditenvReadsWhatTandemWrote() {
            adapter.setTryOnce("B");
            adapter.raiseSecurityFloor(12);
            assertThat(editenv("list").lines()).contains("ORDER=B A", "B_OK=1", "B_TRY=0", "A_OK=1", "A_TRY=0",
                    "TANDEM_SECURITY_FLOOR=12");
        }

        @Test
        void grubEditenvCanStillEditWhatTandemWrote() {
            adapter.setTryOnce("B");
            editenv("set", "B_TRY=1"); // what GRUB's save_env does at boot, in place
            editenv("unset", "A_TRY");
            assertThat(reopen().state("B").bootable()).isFalse();
            assertThat(reopen().primary()).contains("A");
        }

        @Test
        void keepsVariablesGrubEditenvSetWithBackslashesAndNewlines() {
            editenv("set", "weird=a\\b\nc", "empty=", "saved_entry=1>2");
            String before = editenv("list");
            adapter.setTryOnce("B");
            List<String> after = editenv("list").lines().toList();
            assertThat(after).contains("weird=a\\b", "c", "empty=", "saved_entry=1>2");
            assertThat(before).contains("weird=a\\b\nc");
            assertThat(GrubEnvBlock.parse(readUnchecked(grubenv())).orElseThrow().vars())
                    .containsEntry("weird", "a\\b\nc").containsEntry("empty", "");
        }

        @Test
        void listsTheSameVariablesAsGrubEditenvForItsOwnFiles() {
            editenv("set", "x=1\\", "y=\n", "z=\\\\");
            Map<String, String> ours = GrubEnvBlock.parse(readUnchecked(grubenv())).orElseThrow().vars();
            StringBuilder expected = new StringBuilder();
            ours.forEach((k, v) -> expected.append(k).append('=').append(v).append('\n'));
            assertThat(editenv("list")).isEqualTo(expected.toString());
        }

        private byte[] readUnchecked(Path p) {
            try {
                return Files.readAllBytes(p);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
