package dev.tandem.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.boot.BootloaderException;
import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.DeviceView;
import dev.tandem.hardware.rig.HostCommand;
import dev.tandem.hardware.rig.QemuBoot;
import dev.tandem.storage.StorageCut;
import dev.tandem.hardware.rig.TandemProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One emulated device: a disk image booted by real firmware and a real bootloader under QEMU, and tandem on the
 * host acting as that device's userland between boots. tandem's data-dir is a host directory (the device's data
 * partition); its slots are loop devices over the disk image's partitions; its bootloader environment is the one on
 * the disk. After a boot whose guest got as far as boot-check, {@link #bootCheck} runs {@code tandem boot-check}
 * with the guest's kernel command line and boot id, which is what the device would have run during that boot.
 *
 * <p>The device is either off (QEMU not running; a {@link DeviceView} may be open) or booting: {@link #boot}
 * closes the view first, so QEMU reads exactly what reached the image file.
 */
final class EmulatedDevice implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BootPlatform platform;
    private final String scenario;
    private final Path keyring;
    private final Path dir;
    private final Path disk;
    private final Path dataDir;
    private final ScenarioLog log;
    private final long started = System.nanoTime();
    private final List<BootRecord> boots = new ArrayList<>();
    private DeviceView view;
    private String httpTable = "";
    private String booted = "A";
    private int bootAttempts = 1;
    private boolean passed;

    private EmulatedDevice(BootPlatform platform, String scenario, Path keyring, Path dir) {
        this.platform = platform;
        this.scenario = scenario;
        this.keyring = keyring;
        this.dir = dir;
        this.disk = dir.resolve("disk.img");
        this.dataDir = dir.resolve("data");
        this.log = new ScenarioLog(dir);
    }

    /** A device whose disk the caller builds into {@link #disk()} (the factory). */
    static EmulatedDevice fresh(BootPlatform platform, String scenario, Path keyring, Path dir) throws IOException {
        StaleState.clear(dir);
        Files.createDirectories(dir.resolve("data"));
        return new EmulatedDevice(platform, scenario, keyring, dir);
    }

    /** A copy of {@code original} (disk and data-dir) in its own directory. */
    static EmulatedDevice copyOf(EmulatedDevice original, String scenario, Path dir) throws IOException {
        original.closeView();
        StaleState.clear(dir);
        Files.createDirectories(dir);
        EmulatedDevice d = new EmulatedDevice(original.platform, scenario, original.keyring, dir);
        HostCommand.of("cp", "--sparse=always", original.disk.toString(), d.disk.toString()).ok();
        copyTree(original.dataDir, d.dataDir);
        d.booted = original.booted;
        d.log.step("copy of " + original.dir + " (its disk and data-dir after the factory's first boot);"
                + " booted slot " + d.booted);
        return d;
    }

    Path disk() {
        return disk;
    }

    Path dir() {
        return dir;
    }

    ScenarioLog log() {
        return log;
    }

    BootPlatform platform() {
        return platform;
    }

    /** The slot the device booted last (what {@code --booted} says to host-side commands). */
    String booted() {
        return booted;
    }

    /** Sets {@code [bootloader-options] boot-attempts} for the next view (GRUB only takes 1). */
    void bootAttempts(int attempts) {
        closeView();
        this.bootAttempts = attempts;
    }

    /** Sets system.toml's {@code [http]} table for the next view. */
    void http(String table) {
        closeView();
        this.httpTable = table;
    }

    // ---- the device while it is off ----------------------------------------------------------------------

    /** The disk as tandem on the host sees it (opened on first use, closed by the next boot). */
    DeviceView view() {
        if (view == null) {
            String top = "compatible = \"" + platform.compatible() + "\"\n"
                    + "data-dir = \"" + dataDir + "\"\n"
                    + "keyring = \"" + keyring + "\"\n"
                    + "# boot-check's reboot: the rig boots QEMU next anyway\n"
                    + "reboot-command = \"true\"\n";
            // The health check the device runs in boot-check: what the guest's software reported on the console.
            String tables = "[health]\ncommands = [\"grep -a -q HEALTH=OK " + dir.resolve("console-current.log")
                    + "\"]\ntimeout = \"20s\"\n\n" + httpTable;
            try {
                view = DeviceView.open(platform, disk, dir, top, tables, bootAttempts);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return view;
    }

    /** Closes the view: unmounted, loop devices detached. */
    void closeView() {
        if (view != null) {
            DeviceView v = view;
            view = null;
            v.close();
        }
    }

    /** {@code tandem --config <view> args}, in-process. */
    CapturedCli.Result tandem(String... args) {
        List<String> full = new ArrayList<>(List.of("--config", view().config().toString()));
        full.addAll(List.of(args));
        log.step("tandem " + String.join(" ", args));
        CapturedCli.Result r = CapturedCli.run(full.toArray(String[]::new));
        log.output("exit " + r.exitCode(), r.out() + r.err());
        return r;
    }

    /** Like {@link #tandem} and requires exit code 0. */
    CapturedCli.Result tandemOk(String... args) {
        CapturedCli.Result r = tandem(args);
        if (r.exitCode() != 0) {
            throw failure("tandem " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.err().strip());
        }
        return r;
    }

    /** {@code tandem status --json} as the device booted from {@link #booted()} would print it. */
    JsonNode status() {
        return json(tandemOk("--booted", booted, "status", "--json").out());
    }

    /** {@code tandem install BUNDLE} on the running device. */
    CapturedCli.Result install(Path bundle, String... options) {
        List<String> args = new ArrayList<>(List.of("--booted", booted, "--progress", "none", "install"));
        args.addAll(List.of(options));
        args.add(bundle.toString());
        return tandemOk(args.toArray(String[]::new));
    }

    /**
     * What tandem reads from the bootloader environment as the slot booted next: the adapter's primary, or
     * "rescue" when no environment is valid (U-Boot then runs its default environment, and contrib/boot.cmd's
     * rescue path resets the board).
     */
    String nextBootPerTandem() {
        try {
            return view().adapter(StorageCut.none()).primary().orElse("none");
        } catch (BootloaderException e) {
            log.step("tandem cannot read the environment: " + e.getMessage());
            return "rescue";
        }
    }

    // ---- boots -------------------------------------------------------------------------------------------

    /** Boots once and lets it run to its end. */
    BootRecord boot(String label) {
        return runBoot(label, null);
    }

    /** Boots once and cuts the power {@code at} after QEMU started. */
    BootRecord bootWithPowerCut(String label, Duration at) {
        BootRecord r = runBoot(label, at);
        if (r.ending() != BootRecord.Ending.POWER_CUT && r.ending() != BootRecord.Ending.EXITED) {
            throw failure(r.name() + " did not end: " + r.ending());
        }
        return r;
    }

    /** Boots once and requires that {@code slot}'s bootloader entry booted content {@code version}. */
    BootRecord boot(String label, String slot, String version) {
        BootRecord r = runBoot(label, null);
        expectBooted(r, slot, version);
        return r;
    }

    /**
     * Boots once and requires contrib/boot.cmd's rescue: no environment was valid, so every slot got 3 boots
     * and the board reset before loading any kernel.
     */
    BootRecord bootExpectingRescue(String label) {
        BootRecord r = runBoot(label, null);
        boolean rescued = r.ending() == BootRecord.Ending.EXITED && r.console().version().isEmpty()
                && r.console().bootloaderLines().stream().anyMatch(l -> l.contains("no slot has boots left"));
        if (!rescued) {
            throw bootFailure(r, "the boot script's rescue (no valid environment: every slot gets 3 boots, reset)");
        }
        return r;
    }

    private BootRecord runBoot(String label, Duration cutAfter) {
        closeView();
        int n = boots.size() + 1;
        Path serial = dir.resolve("boot" + n + ".log");
        log.step("boot " + n + " (" + label + ")" + (cutAfter == null ? "" : String.format(
                ": power cut %.2f s after QEMU starts", cutAfter.toMillis() / 1000.0)));
        BootRecord r = QemuBoot.run(n, label, platform.qemuCommand(disk, serial, dir), serial,
                platform.bootTimeout(), cutAfter);
        boots.add(r);
        log.boot(r);
        try {
            Files.copy(serial, dir.resolve("console-current.log"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (r.ending() == BootRecord.Ending.TIMED_OUT) {
            throw bootFailure(r, "the boot to end within " + platform.bootTimeout().toSeconds() + " s");
        }
        r.console().cmdlineSlot().ifPresent(s -> booted = s);
        return r;
    }

    void expectBooted(BootRecord r, String slot, String version) {
        boolean ok = r.ending() == BootRecord.Ending.EXITED
                && r.console().cmdlineSlot().filter(slot::equals).isPresent()
                && r.console().version().filter(version::equals).isPresent();
        if (!ok) {
            throw bootFailure(r, "slot " + slot + " with content " + version);
        }
    }

    /**
     * Runs {@code tandem boot-check} as the device did during boot {@code r}: with the guest's kernel command line
     * (which names the booted slot) and boot id. Only for boots whose guest got that far.
     *
     * @return boot-check's decision (its {@code --json} output)
     */
    JsonNode bootCheck(BootRecord r) {
        if (!r.console().reachedBootCheck()) {
            throw failure(r.name() + " never got to boot-check; the rig cannot run it for that boot");
        }
        String cmdline = r.console().cmdline().orElseThrow();
        String bootId = r.console().bootId().orElseThrow();
        DeviceView v = view();
        log.step("tandem boot-check --json, as the device in " + r.name() + " (guest command line and boot id "
                + bootId + ")");
        HostCommand.Result res = TandemProcess.asGuest(dir, cmdline, bootId, ScenarioLog.root(),
                v.bootMount().orElse(null), "--config", v.config().toString(), "boot-check", "--json");
        log.output("exit " + res.exitCode(), res.stdout() + res.stderr());
        if (res.exitCode() != 0) {
            throw failure("boot-check after " + r.name() + " exited " + res.exitCode() + ": " + res.stderr().strip());
        }
        return json(res.stdout());
    }

    /** Requires boot-check's outcome. */
    void expectOutcome(JsonNode bootCheck, String outcome) {
        if (!outcome.equals(bootCheck.path("outcome").asText())) {
            throw failure("boot-check decided " + bootCheck.path("outcome").asText() + ", expected " + outcome
                    + ": " + bootCheck);
        }
    }

    // ---- snapshots -----------------------------------------------------------------------------------------

    /** Saves the disk and the data-dir under {@code snapshots/name}. */
    void snapshot(String name) throws IOException {
        closeView();
        Path s = dir.resolve("snapshots").resolve(name);
        Files.createDirectories(s);
        HostCommand.of("cp", "--sparse=always", disk.toString(), s.resolve("disk.img").toString()).ok();
        deleteTree(s.resolve("data"));
        copyTree(dataDir, s.resolve("data"));
        log.step("snapshot '" + name + "' saved (disk and data-dir); booted slot " + booted);
    }

    /** Puts a snapshot's disk and data-dir back. */
    void restore(String name, String bootedSlot) throws IOException {
        closeView();
        Path s = dir.resolve("snapshots").resolve(name);
        HostCommand.of("cp", "--sparse=always", s.resolve("disk.img").toString(), disk.toString()).ok();
        deleteTree(dataDir);
        copyTree(s.resolve("data"), dataDir);
        booted = bootedSlot;
        log.step("snapshot '" + name + "' restored; booted slot " + bootedSlot);
    }

    // ---- reporting -----------------------------------------------------------------------------------------

    /** Marks the scenario passed (written to the summary on close). */
    void passed() {
        passed = true;
    }

    List<BootRecord> boots() {
        return boots;
    }

    AssertionError failure(String message) {
        log.step("FAILED: " + message);
        return new AssertionError(platform.name() + " " + scenario + ": " + message + "\n  (scenario log: "
                + dir.resolve("scenario.log") + ")");
    }

    /** "boot N (label): expected ..., but the console shows ..." with the last console lines. */
    AssertionError bootFailure(BootRecord r, String expected) {
        StringBuilder b = new StringBuilder();
        b.append(r.name()).append(": expected ").append(expected).append(", but the console shows ")
                .append(r.console().summary()).append("; QEMU ").append(r.ending().name().toLowerCase())
                .append(" after ").append(r.seconds()).append('\n');
        for (String l : r.console().bootloaderLines()) {
            b.append("  bootloader | ").append(l).append('\n');
        }
        b.append("  console, last lines (").append(r.log()).append("):\n");
        for (String l : r.console().tail(25)) {
            b.append("    | ").append(l).append('\n');
        }
        qemuOutput(r).ifPresent(q -> b.append("  qemu said: ").append(q).append('\n'));
        return failure(b.toString().stripTrailing());
    }

    private static Optional<String> qemuOutput(BootRecord r) {
        Path q = r.log().resolveSibling(r.log().getFileName() + ".qemu.txt");
        try {
            String s = Files.exists(q) ? Files.readString(q).strip() : "";
            return s.isEmpty() ? Optional.empty() : Optional.of(s.replace('\n', ' '));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            closeView();
        } finally {
            Duration bootTime = boots.stream().map(BootRecord::wall).reduce(Duration.ZERO, Duration::plus);
            log.summary(platform.name(), scenario, passed ? "passed" : "FAILED", boots.size(), bootTime,
                    Duration.ofNanos(System.nanoTime() - started));
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("lock")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public String toString() {
        return platform.name() + "/" + scenario;
    }
}
