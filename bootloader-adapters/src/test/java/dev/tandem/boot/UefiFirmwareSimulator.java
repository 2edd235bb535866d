package dev.tandem.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The UEFI boot manager: BootNext, if set, is deleted and its entry booted once; otherwise the first active
 * entry of BootOrder boots. BootCurrent records the entry. Slots are told apart by their entry's description.
 */
final class UefiFirmwareSimulator implements BootSimulator {

    private static final String GUID = EfiBootNextAdapter.GLOBAL_GUID;

    private final Path dir;

    UefiFirmwareSimulator(Path dir) {
        this.dir = dir;
    }

    @Override
    public String powerOn() throws Exception {
        Path next = var("BootNext");
        if (Files.exists(next)) {
            int entry = u16s(Files.readAllBytes(next)).get(0);
            Files.delete(next); // consumed before the entry starts: a crash in it does not repeat it
            if (active(entry)) {
                return boot(entry);
            }
        }
        Path order = var("BootOrder");
        if (Files.exists(order)) {
            for (int entry : u16s(Files.readAllBytes(order))) {
                if (active(entry)) {
                    return boot(entry);
                }
            }
        }
        throw new AssertionError("no bootable entry: the firmware would try removable media");
    }

    private String boot(int entry) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putShort((short) entry);
        Files.write(var("BootCurrent"), b.array());
        byte[] opt = Files.readAllBytes(var(EfiBootNextAdapter.bootVar(entry)));
        int end = 10;
        while (opt[end] != 0 || opt[end + 1] != 0) {
            end += 2;
        }
        return new String(opt, 10, end - 10, StandardCharsets.UTF_16LE);
    }

    private boolean active(int entry) throws Exception {
        Path p = var(EfiBootNextAdapter.bootVar(entry));
        return Files.exists(p) && (Files.readAllBytes(p)[4] & 1) != 0;
    }

    private Path var(String name) {
        return dir.resolve(name + "-" + GUID);
    }

    private static List<Integer> u16s(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw, 4, raw.length - 4).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> out = new ArrayList<>();
        while (b.remaining() >= 2) {
            out.add(b.getShort() & 0xffff);
        }
        return out;
    }
}
