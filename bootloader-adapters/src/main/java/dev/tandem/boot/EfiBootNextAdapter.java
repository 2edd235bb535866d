package dev.tandem.boot;

import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * UEFI boot manager variables in efivarfs: each slot is a {@code Boot####} entry, {@code BootOrder} lists the
 * entries the firmware tries, {@code BootNext} names one entry for the next boot only (the firmware deletes it
 * before starting that entry: native try-once), and {@code BootCurrent} is the entry that booted.
 *
 * <p>Slots map to entries through {@code efi-entries} (bootname → hex number) or, without it, by the entry's
 * description (the EFI_LOAD_OPTION's UTF-16 label, as {@code efibootmgr -L} sets it) being equal to the
 * bootname. try-once sets {@code BootNext}; mark-good moves the entry to the front of {@code BootOrder} (adding it
 * when missing) and drops a {@code BootNext} that names another entry; mark-bad removes the entry from {@code
 * BootOrder} and drops a {@code BootNext} naming it. Nothing is written when nothing changes.
 *
 * <p>EFI keeps no boot counter: a slot in {@code BootOrder} stays bootable until tandem removes it, so a slot that
 * panics on every boot is left only through a watchdog reset plus boot-check (ARCHITECTURE.md §6), and {@link #rearm} has
 * nothing to do. Each variable is written with one {@code write()} of attributes and data (see
 * {@link DurableFile#efiVariable}); {@code BootOrder}, {@code BootNext} and {@code Boot*} are in efivarfs's list of
 * validated variables, which the kernel does not mark immutable, so no {@code chattr -i} is needed for them.
 */
public final class EfiBootNextAdapter implements BootloaderAdapter {

    /** EFI_GLOBAL_VARIABLE, the vendor GUID of the boot manager variables. */
    public static final String GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

    /** NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS. */
    static final int DEFAULT_ATTRIBUTES = 0x7;

    private static final int LOAD_OPTION_ACTIVE = 0x1;
    private static final Pattern BOOT_ENTRY = Pattern.compile("Boot([0-9A-Fa-f]{4})-" + GLOBAL_GUID);

    private final Path dir;
    private final Function<Path, DurableFile> files;
    private final List<String> bootnames;
    private final Map<String, Integer> configuredEntries;

    /**
     * @param efivarsDir the efivarfs mount point, or a directory laid out like it
     * @param files      opens one variable file; power-cut tests wrap what it returns
     * @param bootnames  the slots' bootnames in config order
     * @param efiEntries bootname → {@code Boot####} number in hex ({@code "0001"}); empty: match by description
     */
    public EfiBootNextAdapter(Path efivarsDir, Function<Path, DurableFile> files, List<String> bootnames,
            Map<String, String> efiEntries) {
        if (bootnames.size() < 2) {
            throw new BootloaderException("efi: needs at least two slots, got " + bootnames);
        }
        this.dir = efivarsDir;
        this.files = files;
        this.bootnames = List.copyOf(bootnames);
        Map<String, Integer> entries = new LinkedHashMap<>();
        efiEntries.forEach((bootname, number) -> {
            if (!bootnames.contains(bootname)) {
                throw new BootloaderException("efi: efi-entries names unknown slot '" + bootname + "'");
            }
            entries.put(bootname, parseEntryNumber(number));
        });
        this.configuredEntries = Map.copyOf(entries);
    }

    /** Uses {@code efivarsDir} (default /sys/firmware/efi/efivars) and {@code efi-entries}. */
    public EfiBootNextAdapter(BootloaderOptions options) {
        this(options.efivarsDir() == null ? Path.of("/sys/firmware/efi/efivars") : options.efivarsDir(),
                DurableFile::efiVariable, options.bootnames(), options.efiEntries());
    }

    private static int parseEntryNumber(String number) {
        String hex = number.trim();
        if (hex.regionMatches(true, 0, "Boot", 0, 4)) {
            hex = hex.substring(4);
        }
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        try {
            int n = Integer.parseInt(hex, 16);
            if (n < 0 || n > 0xffff || hex.isEmpty()) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BootloaderException("efi: efi-entries value '" + number + "' is not a Boot#### number");
        }
    }

    @Override
    public String name() {
        return "efi";
    }

    /** The slot the firmware started this boot ({@code BootCurrent}), empty when it is not one of the slots. */
    public Optional<String> booted() {
        Optional<Integer> current = readU16("BootCurrent");
        return current.flatMap(this::slotOf);
    }

    @Override
    public Optional<String> primary() {
        Optional<Integer> next = readU16("BootNext");
        if (next.isPresent()) {
            Optional<String> slot = slotOf(next.get());
            if (slot.isPresent() && active(next.get())) {
                return slot;
            }
        }
        for (int entry : bootOrder()) {
            Optional<String> slot = slotOf(entry);
            if (slot.isPresent() && active(entry)) {
                return slot;
            }
        }
        return Optional.empty();
    }

    @Override
    public BootSlotState state(String bootname) {
        int entry = entryOf(bootname);
        boolean inOrder = bootOrder().contains(entry);
        boolean next = readU16("BootNext").map(n -> n == entry).orElse(false);
        boolean bootable = active(entry) && (inOrder || next);
        int attemptsLeft = !bootable ? 0 : inOrder ? BootSlotState.UNLIMITED : 1;
        return new BootSlotState(bootname, bootable, attemptsLeft);
    }

    @Override
    public void setTryOnce(String bootname) {
        int entry = entryOf(bootname);
        if (!readU16("BootNext").map(n -> n == entry).orElse(false)) {
            writeU16List("BootNext", List.of(entry));
        }
    }

    @Override
    public void markGood(String bootname) {
        int entry = entryOf(bootname);
        List<Integer> order = bootOrder();
        if (order.isEmpty() || order.get(0) != entry) {
            List<Integer> next = new ArrayList<>();
            next.add(entry);
            order.stream().filter(e -> e != entry).forEach(next::add);
            writeU16List("BootOrder", next);
        }
        // Committed state first: a BootNext left over from a cut here costs one detour, not the commit.
        Optional<Integer> bootNext = readU16("BootNext");
        if (bootNext.isPresent() && bootNext.get() != entry) {
            delete("BootNext");
        }
    }

    @Override
    public void markBad(String bootname) {
        int entry = entryOf(bootname);
        // BootNext first: a one-shot boot of a slot being overwritten is the worse leftover.
        if (readU16("BootNext").map(n -> n == entry).orElse(false)) {
            delete("BootNext");
        }
        List<Integer> order = bootOrder();
        if (order.contains(entry)) {
            writeU16List("BootOrder", order.stream().filter(e -> e != entry).toList());
        }
    }

    /** EFI keeps no counter: nothing to re-arm, nothing written. */
    @Override
    public void rearm(String bootname) {
        entryOf(bootname);
    }

    /** The {@code Boot####} number of a slot. */
    public int entryOf(String bootname) {
        if (!bootnames.contains(bootname)) {
            throw new BootloaderException("efi: unknown slot bootname '" + bootname + "' (known: "
                    + String.join(", ", bootnames) + ")");
        }
        Integer configured = configuredEntries.get(bootname);
        if (configured != null) {
            if (loadOption(configured).isEmpty()) {
                throw new BootloaderException("efi: slot " + bootname + " is mapped to " + bootVar(configured)
                        + ", which does not exist");
            }
            return configured;
        }
        List<Integer> matches = new ArrayList<>();
        for (Map.Entry<Integer, LoadOption> e : allLoadOptions().entrySet()) {
            if (e.getValue().description().equals(bootname)) {
                matches.add(e.getKey());
            }
        }
        if (matches.size() != 1) {
            throw new BootloaderException("efi: " + (matches.isEmpty() ? "no" : matches.size()) + " Boot#### entries"
                    + " labelled '" + bootname + "'" + (matches.isEmpty() ? "" : " (" + matches.stream()
                    .map(EfiBootNextAdapter::bootVar).toList() + ")") + "; set [bootloader-options] efi-entries");
        }
        return matches.get(0);
    }

    private Optional<String> slotOf(int entry) {
        for (String b : bootnames) {
            Integer configured = configuredEntries.get(b);
            if (configured != null ? configured == entry
                    : loadOption(entry).map(o -> o.description().equals(b)).orElse(false)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private boolean active(int entry) {
        return loadOption(entry).map(o -> (o.attributes() & LOAD_OPTION_ACTIVE) != 0).orElse(false);
    }

    /** The fixed part of an EFI_LOAD_OPTION: attributes and the UTF-16LE description. */
    record LoadOption(int attributes, String description) {

        static Optional<LoadOption> parse(byte[] data) {
            if (data.length < 6) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            int attributes = b.getInt();
            b.getShort(); // FilePathListLength
            int start = b.position();
            int end = start;
            while (end + 1 < data.length && (data[end] != 0 || data[end + 1] != 0)) {
                end += 2;
            }
            if (end + 1 >= data.length) {
                return Optional.empty(); // no terminating NUL: not a load option
            }
            return Optional.of(new LoadOption(attributes,
                    new String(data, start, end - start, StandardCharsets.UTF_16LE)));
        }
    }

    private Optional<LoadOption> loadOption(int entry) {
        return readData(bootVar(entry)).flatMap(LoadOption::parse);
    }

    private Map<Integer, LoadOption> allLoadOptions() {
        Map<Integer, LoadOption> options = new LinkedHashMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "Boot*-" + GLOBAL_GUID)) {
            for (Path p : stream) {
                Matcher m = BOOT_ENTRY.matcher(p.getFileName().toString());
                if (m.matches()) {
                    int n = Integer.parseInt(m.group(1), 16);
                    readData("Boot" + m.group(1)).flatMap(LoadOption::parse).ifPresent(o -> options.put(n, o));
                }
            }
        } catch (IOException e) {
            throw new BootloaderException("efi: cannot list " + dir + ": " + e.getMessage(), e);
        }
        return options;
    }

    static String bootVar(int entry) {
        return String.format(Locale.ROOT, "Boot%04X", entry);
    }

    private List<Integer> bootOrder() {
        return readData("BootOrder").map(EfiBootNextAdapter::u16List).orElse(List.of());
    }

    private Optional<Integer> readU16(String name) {
        return readData(name).filter(d -> d.length >= 2).map(d -> u16List(d).get(0));
    }

    private static List<Integer> u16List(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> list = new ArrayList<>();
        while (b.remaining() >= 2) {
            list.add(b.getShort() & 0xffff);
        }
        return list;
    }

    private DurableFile file(String name) {
        return files.apply(dir.resolve(name + "-" + GLOBAL_GUID));
    }

    /** A variable's data without the attribute bytes; empty when it does not exist. */
    private Optional<byte[]> readData(String name) {
        return readRaw(name).filter(raw -> raw.length >= 4)
                .map(raw -> java.util.Arrays.copyOfRange(raw, 4, raw.length));
    }

    private Optional<byte[]> readRaw(String name) {
        DurableFile f = file(name);
        try {
            return f.read();
        } catch (IOException e) {
            throw new BootloaderException("efi: cannot read " + f.path() + ": " + e.getMessage(), e);
        }
    }

    private void writeU16List(String name, List<Integer> values) {
        int attributes = readRaw(name).filter(raw -> raw.length >= 4)
                .map(raw -> ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt())
                .orElse(DEFAULT_ATTRIBUTES);
        ByteBuffer b = ByteBuffer.allocate(4 + 2 * values.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(attributes);
        values.forEach(v -> b.putShort((short) (int) v));
        DurableFile f = file(name);
        try {
            f.replace(b.array());
        } catch (IOException e) {
            throw new BootloaderException("efi: cannot write " + f.path() + ": " + e.getMessage()
                    + (e instanceof java.nio.file.AccessDeniedException ? " (immutable? try chattr -i)" : ""), e);
        }
    }

    private void delete(String name) {
        DurableFile f = file(name);
        try {
            f.delete();
        } catch (IOException e) {
            throw new BootloaderException("efi: cannot delete " + f.path() + ": " + e.getMessage(), e);
        }
    }
}
