package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.storage.DurableFile;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs against a directory laid out like efivarfs. The Boot#### fixtures were made by efibootmgr 17
 * ({@code efibootmgr -C -d <loop device> -p 1 -L A -l \EFI\tandem\A.efi}), labelled A, B and "UEFI Shell".
 */
class EfiBootNextAdapterTest extends BootloaderAdapterContract {

    static final String GUID = EfiBootNextAdapter.GLOBAL_GUID;

    @TempDir
    Path vars;

    static void copyFixture(Path dir, int entry) throws Exception {
        String name = String.format("Boot%04X-%s", entry, GUID);
        try (InputStream in = EfiBootNextAdapterTest.class.getResourceAsStream("efivars/" + name)) {
            Files.copy(in, dir.resolve(name));
        }
    }

    static void writeU16s(Path dir, String name, int... values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 + 2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(7);
        for (int v : values) {
            b.putShort((short) v);
        }
        Files.write(dir.resolve(name + "-" + GUID), b.array());
    }

    static List<Integer> readU16s(Path dir, String name) throws Exception {
        Path p = dir.resolve(name + "-" + GUID);
        if (!Files.exists(p)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(7);
        List<Integer> out = new ArrayList<>();
        while (b.remaining() >= 2) {
            out.add(b.getShort() & 0xffff);
        }
        return out;
    }

    /** A (Boot0000) booted and first in BootOrder, then the shell; B (Boot0001) exists but is not in BootOrder. */
    static void firmwareWithGoodSlotA(Path dir) throws Exception {
        copyFixture(dir, 0);
        copyFixture(dir, 1);
        copyFixture(dir, 2);
        writeU16s(dir, "BootOrder", 0, 2);
        writeU16s(dir, "BootCurrent", 0);
    }

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() throws Exception {
        firmwareWithGoodSlotA(vars);
        return reopen();
    }

    @Override
    protected BootloaderAdapter reopen() {
        return new EfiBootNextAdapter(vars, DurableFile::efiVariable, List.of("A", "B"), Map.of());
    }

    @Override
    protected List<Path> storage() {
        return List.of(vars);
    }

    @Override
    protected String expectedName() {
        return "efi";
    }

    @Override
    protected int expectedArmedAttempts() {
        return BootSlotState.UNLIMITED;
    }

    @Test
    void tryOnceSetsBootNextAndLeavesBootOrderAlone() throws Exception {
        adapter.setTryOnce("B");
        assertThat(readU16s(vars, "BootNext")).containsExactly(1);
        assertThat(readU16s(vars, "BootOrder")).containsExactly(0, 2);
    }

    @Test
    void markGoodPutsTheEntryFirstInBootOrder() throws Exception {
        adapter.setTryOnce("B");
        Files.delete(vars.resolve("BootNext-" + GUID)); // the firmware consumed it
        adapter.markGood("B");
        assertThat(readU16s(vars, "BootOrder")).containsExactly(1, 0, 2);
        assertThat(adapter.state("B")).isEqualTo(new BootSlotState("B", true, BootSlotState.UNLIMITED));
    }

    @Test
    void markGoodDropsABootNextThatNamesAnotherEntry() throws Exception {
        adapter.setTryOnce("B");
        adapter.markGood("A");
        assertThat(readU16s(vars, "BootNext")).isNull();
        assertThat(adapter.primary()).contains("A");
    }

    @Test
    void markBadRemovesTheEntryFromBootOrderAndDropsItsBootNext() throws Exception {
        adapter.setTryOnce("B");
        adapter.markGood("B");
        adapter.setTryOnce("B");
        adapter.markBad("B");
        assertThat(readU16s(vars, "BootOrder")).containsExactly(0, 2);
        assertThat(readU16s(vars, "BootNext")).isNull();
    }

    @Test
    void keepsTheAttributesOfAVariableItRewrites() throws Exception {
        byte[] order = Files.readAllBytes(vars.resolve("BootOrder-" + GUID));
        order[0] = 0x27; // + TIME_BASED_AUTHENTICATED_WRITE_ACCESS bit pattern, anything non-default
        Files.write(vars.resolve("BootOrder-" + GUID), order);
        adapter.markGood("B");
        assertThat(Files.readAllBytes(vars.resolve("BootOrder-" + GUID))[0]).isEqualTo((byte) 0x27);
    }

    @Test
    void reportsTheBootedSlotFromBootCurrent() throws Exception {
        assertThat(((EfiBootNextAdapter) adapter).booted()).contains("A");
        writeU16s(vars, "BootCurrent", 2);
        assertThat(((EfiBootNextAdapter) adapter).booted()).isEmpty();
    }

    @Test
    void mapsSlotsByEfiEntriesWhenConfigured() {
        EfiBootNextAdapter a = new EfiBootNextAdapter(vars, DurableFile::efiVariable, List.of("A", "B"),
                Map.of("A", "0002", "B", "Boot0001"));
        assertThat(a.entryOf("A")).isEqualTo(2);
        assertThat(a.entryOf("B")).isEqualTo(1);
        assertThat(a.booted()).isEmpty();
    }

    @Test
    void refusesAnEfiEntryThatDoesNotExist() {
        EfiBootNextAdapter a = new EfiBootNextAdapter(vars, DurableFile::efiVariable, List.of("A", "B"),
                Map.of("A", "0007"));
        assertThatThrownBy(() -> a.state("A")).isInstanceOf(BootloaderException.class).hasMessageContaining("Boot0007");
    }

    @Test
    void refusesADescriptionThatMatchesTwoEntries() throws Exception {
        Files.copy(vars.resolve("Boot0000-" + GUID), vars.resolve("Boot0005-" + GUID));
        assertThatThrownBy(() -> adapter.state("A")).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("efi-entries");
    }

    /** Interoperation with the real efibootmgr (libefivar), pointed at the directory by EFIVARFS_PATH. */
    @Nested
    class WithEfibootmgr {

        String efibootmgr(String... args) {
            assumeTrue(Tools.installed("efibootmgr"), "efibootmgr not installed");
            List<String> cmd = new ArrayList<>(List.of("efibootmgr"));
            cmd.addAll(List.of(args));
            return Tools.ok(cmd, Map.of("EFIVARFS_PATH", vars + "/"));
        }

        @Test
        void efibootmgrListsWhatTandemWrote() throws Exception {
            adapter.setTryOnce("B");
            String out = efibootmgr();
            assertThat(out.lines()).contains("BootNext: 0001", "BootCurrent: 0000", "BootOrder: 0000,0002");
            Files.delete(vars.resolve("BootNext-" + GUID)); // the firmware consumed it
            adapter.markGood("B");
            assertThat(efibootmgr().lines()).contains("BootOrder: 0001,0000,0002").noneMatch(l -> l.startsWith("BootNext"));
        }

        @Test
        void tandemReadsWhatEfibootmgrWrote() {
            efibootmgr("-o", "0001,0000");
            assertThat(reopen().primary()).contains("B");
            efibootmgr("-n", "0000");
            assertThat(reopen().primary()).contains("A");
            efibootmgr("-N");
            assertThat(reopen().primary()).contains("B");
        }

        @Test
        void anEntryEfibootmgrMadeInactiveIsNotBootable() {
            efibootmgr("-b", "0000", "-A");
            assertThat(reopen().state("A").bootable()).isFalse();
            assertThat(reopen().primary()).isEqualTo(Optional.empty());
        }
    }
}
