package dev.tandem.cli;

import dev.tandem.boot.FileAdapter;
import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.BundleWriter;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.SigningKey;
import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem demo}: the whole flow on one machine, without root: a development PKI, two file-backed slots, a
 * simulated bootloader, a signed bundle installed into the inactive slot, a simulated reboot, the health check and
 * mark-good. Everything lives in one directory that is rebuilt on each run.
 */
@Command(name = "demo", header = "Run the whole update flow on file-backed slots (no root needed).")
final class DemoCommand implements Callable<Integer> {

    static final long IMAGE_SIZE = 64L << 20;
    static final long SLOT_SIZE = 80L << 20;
    private static final String MARKER = ".tandem-demo";

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "demo",
            description = "Working directory, rebuilt on each run (default: ./demo).")
    Path dir;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private int step;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        long start = System.nanoTime();
        prepareDir();
        Path pki = dir.resolve("pki");
        say("development PKI (ECDSA P-256, DEVELOPMENT ONLY)", pki.toString());
        DevCa.create(pki, DevCa.KeyType.EC_P256);

        Path v1 = dir.resolve("rootfs-1.0.0.img");
        Path v2 = dir.resolve("rootfs-2.0.0.img");
        boolean ext4 = DemoImages.makeImage(v1, "1.0.0", IMAGE_SIZE, dir.resolve("tree-1"));
        DemoImages.makeImage(v2, "2.0.0", IMAGE_SIZE, dir.resolve("tree-2"));
        say("two 64 MiB rootfs images", ext4 ? "ext4 made with mke2fs" : "raw (mke2fs not found)");

        Path slotA = dir.resolve("slot-a.img");
        Path slotB = dir.resolve("slot-b.img");
        DemoImages.flash(v1, slotA, SLOT_SIZE);
        DemoImages.flash(null, slotB, SLOT_SIZE);
        Path config = writeConfig(slotA, slotB, ext4);
        say("file-backed slots A (flashed with 1.0.0) and B (empty), file bootloader", config.toString());

        Path bundle = dir.resolve("rootfs-2.0.0.tandem");
        SigningKey key = SigningKey.load(pki.resolve("signer.pem"), pki.resolve("signer.key").toString());
        BundleWriter.Result created = new BundleWriter().compatible("tandem-demo").version("2.0.0")
                .description("tandem demo update").image("rootfs", "rootfs", v2)
                .signer(m -> CmsSigner.sign(m, List.of(key))).write(bundle);
        say("signed bundle", bundle + " (" + SizeConverter.human(created.bundleSize()) + ", id "
                + created.bundleId().substring(0, 12) + ")");

        SystemConfig cfg = SystemConfig.load(config);
        printStatus(cfg, "status before the update");

        DeviceSlots slots = DeviceSlots.open(cfg, null);
        InstallResult r;
        try (StaticFileServer server = new StaticFileServer(dir)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            String url = "http://127.0.0.1:" + port + "/" + bundle.getFileName();
            say("serving the bundle with tandem serve's HTTP server", url);
            try (BundleSource source = SourceOpener.open(url, cfg.http())) {
                r = new Installer(slots, InstallSettings.defaults().withReuseLocal(true))
                        .install(source, InstallOptions.defaults(), new ProgressRenderer(GlobalOptions.ProgressMode.NONE,
                                out, spec.commandLine().getErr()));
            }
        }
        say("installed over HTTP into the inactive slot, every chunk verified before it was written",
                String.format("%s to %s in %.1f s: downloaded %s (of a %s bundle), reused %s found on slot A",
                        r.version(), r.images().get(0).slot(), r.elapsed().toMillis() / 1000.0,
                        SizeConverter.human(r.downloaded()), SizeConverter.human(created.bundleSize()),
                        SizeConverter.human(r.reused())));

        FileAdapter bootloader = new FileAdapter(cfg.bootloaderOptions());
        String bootedSlot = bootloader.simulateBoot().orElseThrow(() -> new IllegalStateException("nothing boots"));
        say("simulated reboot: the bootloader tries the new slot once", "booted " + bootedSlot);

        BootCheckResult check;
        DeviceSlots afterReboot = DeviceSlots.open(cfg, null);
        try (DataDirLock lock = DataDirLock.acquire(cfg.dataDir(), "boot-check")) {
            check = new BootCheck(afterReboot, HealthCheck.system(cfg.health()),
                    new Hooks(cfg.hooks(), cfg.compatible(), cfg.dataDir())).run();
        }
        say("boot-check: health checks ran", check.booted() + " " + check.outcome().name().toLowerCase()
                .replace('_', ' '));
        printStatus(cfg, "status after the update");
        if (!bootedSlot.equals("B") || check.outcome() != BootCheckResult.Outcome.MARKED_GOOD) {
            // The demo shows an update that works; anything else is a failure, said loudly and in the exit code.
            throw new DemoFailed("the new slot was not committed: booted " + bootedSlot + ", boot-check "
                    + check.outcome().name().toLowerCase().replace('_', ' ')
                    + (check.reason() != null ? " (" + check.reason() + ")" : "") + "; see " + dir);
        }
        out.printf("demo finished in %.1f s; its files are in %s%n", (System.nanoTime() - start) / 1e9, dir);
        out.flush();
        return 0;
    }

    private void say(String what, String detail) {
        out.printf("%d. %s%n   %s%n", ++step, what, detail);
        out.flush();
    }

    private void printStatus(SystemConfig cfg, String title) {
        out.printf("%d. %s%n", ++step, title);
        for (String line : DeviceSlots.open(cfg, null).status().toText().split("\n")) {
            out.println("   " + line);
        }
        out.flush();
    }

    /** Rebuilds the demo directory; refuses to wipe a directory the demo did not make. */
    private void prepareDir() throws IOException {
        if (Files.exists(dir)) {
            if (!Files.exists(dir.resolve(MARKER))) {
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new UsageException(dir + " exists and was not made by tandem demo; choose --dir");
                    }
                }
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "made by tandem demo\n");
        dir = dir.toAbsolutePath();
    }

    private Path writeConfig(Path slotA, Path slotB, boolean ext4) throws IOException {
        Path config = dir.resolve("system.toml");
        // The health check reads the new slot's os-release (debugfs needs no root); real devices check services.
        String health = ext4
                ? "debugfs -R 'cat /etc/os-release' " + shellQuoted(slotB) + " 2>/dev/null | grep -q VERSION_ID=2.0.0"
                : "test -s " + shellQuoted(slotB);
        String toml = """
                # tandem demo device: two file-backed slots and the simulated "file" bootloader.
                compatible = "tandem-demo"
                bootloader = "file"
                data-dir   = "data"
                keyring    = "pki/keyring.pem"

                [health]
                commands = [%s]
                timeout  = "10s"

                [slots."rootfs.0"]
                device   = %s
                class    = "rootfs"
                bootname = "A"

                [slots."rootfs.1"]
                device   = %s
                class    = "rootfs"
                bootname = "B"
                """.formatted(tomlString(health), tomlString(slotA.toString()), tomlString(slotB.toString()));
        Files.writeString(config, toml, StandardCharsets.UTF_8);
        return config;
    }

    /** {@code s} as one sh word, whatever it holds (a --dir with spaces or quotes). */
    static String shellQuoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String shellQuoted(Path p) {
        return shellQuoted(p.toString());
    }

    /** A step of the demo did not do what the demo shows; exit code 1 with the reason. */
    static final class DemoFailed extends TandemException {
        DemoFailed(String message) {
            super(ExitCategory.DEMO_INCOMPLETE, message);
        }
    }

    private static String tomlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
