package dev.tandem.install.hostile;

import dev.tandem.boot.BootSlotState;
import dev.tandem.boot.FileAdapter;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.bundle.VerificationException;
import dev.tandem.bundle.fuzz.ByteArraySource;
import dev.tandem.bundle.fuzz.MutantJudge.Judgement;
import dev.tandem.bundle.fuzz.MutantJudge.Verdict;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.TargetWrapping;
import dev.tandem.install.crash.SimulatedDevice;
import dev.tandem.install.http.SourceException;
import dev.tandem.pki.SignatureException;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Installs one hostile input on a {@link SimulatedDevice} and judges it at installer level: a typed one-line
 * failure (verification 3, policy 4, source 7), or a byte-identical install; in both cases no unverified byte
 * written, slot A untouched and bootable, and after a failure slot B not bootable. Before each install, a
 * bootable B (the last install succeeded) is marked bad again, so every case starts with B unbootable.
 */
final class InstallJudge {

    static final Duration TIME_LIMIT = Duration.ofSeconds(60);

    private final SimulatedDevice device;
    private final byte[] truth;
    private final byte[] imageA;
    private final InstallSettings settings;
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hostile-install");
        t.setDaemon(true);
        return t;
    });

    InstallJudge(SimulatedDevice device, byte[] truth, byte[] imageA) {
        this.device = device;
        this.truth = truth;
        this.imageA = imageA;
        this.settings = new InstallSettings(2, 64 * 1024, 512 * 1024, true, 32, Clock.systemUTC());
    }

    /**
     * @param source     opens the bundle (called on the install thread)
     * @param mayAccept  whether a successful install can be right
     * @param signedIds  bundle ids the trusted key signed for this input
     * @param signed     the chunk table the trusted key signed for this input ({@link #signedTable}), or null
     */
    Judgement install(Callable<BundleSource> source, boolean mayAccept, Set<String> signedIds, ChunkIndex signed)
            throws IOException {
        return install(source, mayAccept, signedIds, signed, Target.CARRY_OVER);
    }

    /** What the device knows about slot B before a case. */
    enum Target {
        /** Whatever the last case left: journal, saved tables, B's content (resume, in-place checks). */
        CARRY_OVER,
        /** Journal and B's saved tables gone: every chunk comes from the bundle or from slot A. */
        FORGOTTEN,
        /** As FORGOTTEN, and no local reuse: every chunk comes from the bundle. */
        DOWNLOAD_ALL
    }

    Judgement install(Callable<BundleSource> source, boolean mayAccept, Set<String> signedIds, ChunkIndex signed,
                      Target target) throws IOException {
        if (target != Target.CARRY_OVER) {
            java.nio.file.Files.deleteIfExists(device.dataDir().resolve("install.json"));
            java.nio.file.Files.deleteIfExists(device.dataDir().resolve("slots/rootfs.1.idx"));
            java.nio.file.Files.deleteIfExists(device.dataDir().resolve("slots/rootfs.1.blk"));
        }
        InstallSettings settings = this.settings.withReuseLocal(target != Target.DOWNLOAD_ALL);
        DeviceSlots slots = device.slots();
        if (device.bootloader().state("B").bootable()) {
            slots.markBad(slots.select("B"), "next hostile case");
        }
        RecordingTarget.Recorder recorder = new RecordingTarget.Recorder(signed);
        // Every option that relaxes policy: what is judged here is the bundle, not the version rules.
        InstallOptions options = new InstallOptions(false, true, true, true, false);
        Future<InstallResult> f = runner.submit(() -> {
            try (BundleSource s = source.call()) {
                return TargetWrapping.installer(device.slots(), settings, recorder::wrap)
                        .install(s, options, new InstallListener() { });
            }
        });
        InstallResult result = null;
        Judgement refusal = null;
        try {
            result = f.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Judgement(Verdict.BUG, "no result within " + TIME_LIMIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Judgement(Verdict.BUG, "interrupted");
        } catch (ExecutionException e) {
            refusal = refusal(e.getCause());
        }
        if (!recorder.violations().isEmpty()) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, recorder.violations().get(0));
        }
        FileAdapter boot = device.bootloader();
        BootSlotState a = boot.state("A");
        if (!a.bootable() || !Arrays.equals(device.read(device.slotA(), imageA.length), imageA)) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "the booted slot A was changed or made unbootable");
        }
        // Status must stay readable whatever happened.
        device.slots().status();
        if (refusal != null) {
            if (refusal.verdict() == Verdict.REFUSED && boot.state("B").bootable()) {
                return new Judgement(Verdict.WRONGLY_ACCEPTED, "failed (" + refusal.detail()
                        + ") but left slot B bootable");
            }
            return refusal;
        }
        if (!signedIds.contains(result.bundleId())) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "installed a bundle id the trusted key never signed");
        }
        if (!Arrays.equals(device.read(device.slotB(), truth.length), truth)) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "installed, but slot B differs from the signed image");
        }
        if (!boot.state("B").bootable() || !"B".equals(boot.primary().orElse(null))) {
            return new Judgement(Verdict.BUG, "installed and activated, but B is not the next boot");
        }
        if (!mayAccept && result.reused() == 0 && !result.resumed()) {
            // Everything came from the bundle, so the broken part was read, and should have been refused.
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "installed although the input breaks a rule");
        }
        if (!mayAccept) {
            // Adaptive reuse: the broken part (a stored chunk, its record) was never needed; every chunk on
            // the slot was checked against its signed hash, and the image against its signed SHA-256.
            return new Judgement(Verdict.ACCEPTED, "installed byte-identical without the broken part ("
                    + result.reused() + " bytes reused" + (result.resumed() ? ", resumed" : "") + ")");
        }
        return new Judgement(Verdict.ACCEPTED, "installed byte-identical");
    }

    /**
     * The first image's chunk table of {@code bundle} as a device would accept it (signature, manifest, table
     * rules): what every write must match. Null when the bundle gets no further: then nothing may be written.
     */
    static ChunkIndex signedTable(byte[] bundle, ManifestVerifier verifier, Path spillDir) {
        try (ByteArraySource s = new ByteArraySource(bundle, Integer.MAX_VALUE)) {
            return BundleReader.open(s, verifier, spillDir).nextImage().index();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Typed failures with one-line messages are refusals; anything else is a bug. */
    static Judgement refusal(Throwable t) {
        String kind;
        if (t instanceof VerificationException v) {
            kind = "verification " + v.kind();
        } else if (t instanceof SignatureException s) {
            kind = "signature " + s.reason();
        } else if (t instanceof PolicyException p) {
            kind = "policy " + p.reason();
        } else if (t instanceof SourceException s) {
            kind = "source " + s.reason();
        } else {
            return new Judgement(Verdict.BUG, t.getClass().getName() + ": " + t.getMessage());
        }
        String m = t.getMessage();
        if (m == null || m.isBlank() || m.contains("\n") || m.length() > 2000) {
            return new Judgement(Verdict.BUG, kind + " with a bad message: " + String.valueOf(m).replace("\n", "\\n"));
        }
        return new Judgement(Verdict.REFUSED, kind);
    }

    void close() {
        runner.shutdownNow();
    }
}
