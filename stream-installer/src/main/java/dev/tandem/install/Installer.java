package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import java.io.IOException;
import java.time.Duration;

/**
 * Installs a bundle into the inactive slot group (ARCHITECTURE.md §1 steps 1-5): holds the data-dir lock, runs
 * {@link InstallFlow}, and reports what it did. On any failure the old slot stays primary and the target stays
 * marked bad; an interrupted install of the same bundle resumes on the next call.
 */
public final class Installer {

    /** This tandem's version, for {@code min-tandem-version}. */
    public static final String VERSION = versionOf();

    private final DeviceSlots slots;
    private final InstallSettings settings;
    private final TargetOpener opener;

    public Installer(DeviceSlots slots, InstallSettings settings) {
        this(slots, settings, new TargetOpener());
    }

    /** Tests: targets opened through {@code opener}, which may wrap them. */
    Installer(DeviceSlots slots, InstallSettings settings, TargetOpener opener) {
        this.slots = slots;
        this.settings = settings;
        this.opener = opener;
    }

    /** Installs from {@code source}, which the caller closes. */
    public InstallResult install(BundleSource source, InstallOptions options, InstallListener listener)
            throws IOException {
        long start = System.nanoTime();
        try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "install")) {
            InstallContext ctx = new InstallContext(slots, options, settings, source,
                    new LockReporting(listener, lock), opener);
            ctx.progress.source(source);
            InstallFlow.run(ctx);
            long written = ctx.results.stream().mapToLong(r -> r.written() + r.zeroed()).sum();
            long reused = ctx.results.stream().mapToLong(InstallResult.ImageResult::reused).sum();
            return new InstallResult(ctx.candidate.bundleId(), ctx.candidate.version(), ctx.results, ctx.activated,
                    ctx.resumed, source.bytesReceived(), reused, written,
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** Shows the install's progress in the lock file, for "another tandem operation is running" messages. */
    private static final class LockReporting implements InstallListener {
        private final InstallListener inner;
        private final DataDirLock lock;
        private int lastPercent = -1;

        LockReporting(InstallListener inner, DataDirLock lock) {
            this.inner = inner;
            this.lock = lock;
        }

        @Override
        public void phase(InstallPhase phase, String detail) {
            inner.phase(phase, detail);
        }

        @Override
        public void progress(InstallProgress progress) {
            inner.progress(progress);
            int percent = progress.percent();
            if (percent != lastPercent) {
                lastPercent = percent;
                lock.update("install " + percent + " %");
            }
        }

        @Override
        public void note(String message) {
            inner.note(message);
        }
    }

    private static String versionOf() {
        String v = Installer.class.getPackage().getImplementationVersion();
        return v != null ? v.replace("-SNAPSHOT", "") : "0.1.0";
    }
}
