package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A boot's serial console, as QEMU wrote it, and what the guest's {@code /init} said in it: which content booted
 * (the version baked into the slot's initramfs), the kernel command line the bootloader built, the boot id, and
 * the health outcome. Carriage returns and the terminal escapes of GRUB and SeaBIOS are stripped.
 */
public final class ConsoleLog {

    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\u001b[=>c]");
    private static final Pattern GUEST = Pattern.compile("TANDEM-GUEST version=(\\S+) health=(\\S+)");
    private static final Pattern SLOT = Pattern.compile("(?:^|\\s)tandem\\.slot=(\\S+)");

    private final List<String> lines;

    private ConsoleLog(List<String> lines) {
        this.lines = lines;
    }

    /** Reads {@code log} (missing: empty). */
    public static ConsoleLog read(Path log) {
        try {
            if (!Files.exists(log)) {
                return new ConsoleLog(List.of());
            }
            String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            return parse(text);
        } catch (IOException e) {
            throw new RigException("console log " + log + ": " + e.getMessage(), e);
        }
    }

    static ConsoleLog parse(String text) {
        String clean = ESCAPES.matcher(text).replaceAll("").replace("\r", "");
        List<String> out = new ArrayList<>();
        for (String l : clean.split("\n")) {
            if (!l.isBlank()) {
                out.add(l.stripTrailing());
            }
        }
        return new ConsoleLog(out);
    }

    /** The version of the content that booted, if a guest came up. */
    public Optional<String> version() {
        return last(GUEST).map(m -> m.group(1));
    }

    /** The health behaviour baked into the content that booted. */
    public Optional<String> healthMode() {
        return last(GUEST).map(m -> m.group(2));
    }

    /** The kernel command line the bootloader passed, as the guest read it. */
    public Optional<String> cmdline() {
        return lastAfter("TANDEM-CMDLINE ");
    }

    /** The bootname in {@code tandem.slot=} on that command line: the bootloader's choice. */
    public Optional<String> cmdlineSlot() {
        return cmdline().flatMap(c -> {
            Matcher m = SLOT.matcher(c);
            String found = null;
            while (m.find()) {
                found = m.group(1);
            }
            return Optional.ofNullable(found);
        });
    }

    /** The guest kernel's boot id. */
    public Optional<String> bootId() {
        return lastAfter("TANDEM-BOOT-ID ");
    }

    /** Whether the guest got to where boot-check runs. */
    public boolean reachedBootCheck() {
        return lines.stream().anyMatch(l -> l.equals("TANDEM-BOOT-CHECK"));
    }

    /** The guest's health line ({@code HEALTH=...}), if any. */
    public Optional<String> health() {
        return lines.stream().filter(l -> l.startsWith("HEALTH=")).reduce((a, b) -> b);
    }

    /** Whether the kernel reported a panic. */
    public boolean panicked() {
        return lines.stream().anyMatch(l -> l.contains("Kernel panic"));
    }

    /** The bootloader script's own lines ({@code tandem: ...}, {@code qemu-board: ...}). */
    public List<String> bootloaderLines() {
        return lines.stream().filter(l -> l.contains("tandem: ") || l.contains("qemu-board: ")).toList();
    }

    /** The last {@code n} lines. */
    public List<String> tail(int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    /** One-line summary: what booted. */
    public String summary() {
        return "slot " + cmdlineSlot().orElse("?") + ", content " + version().orElse("none")
                + (healthMode().map(h -> " (" + h + ")").orElse("")) + ", " + health().orElse(panicked()
                ? "kernel panic" : "no health line");
    }

    private Optional<Matcher> last(Pattern p) {
        Matcher found = null;
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    private Optional<String> lastAfter(String prefix) {
        String found = null;
        for (String l : lines) {
            int i = l.indexOf(prefix);
            if (i >= 0) {
                found = l.substring(i + prefix.length()).strip();
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
