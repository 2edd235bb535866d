package dev.tandem.agent.standalone;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.InstallFailure;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.ByteSizes;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Standalone mode (ARCHITECTURE.md §7): no server; bundles come on removable media. At every scan interval the agent looks
 * at what is mounted ({@link MediaWatcher}); when the places or the bundle files in them changed since the last
 * look, or a medium was inserted that the agent mounts itself ({@link MediaMounter}), it picks the newest valid
 * bundle ({@link BundleScanner}), installs it, unmounts the media it mounted and reboots; when the install refuses
 * it by policy (a check the scanner cannot make), the next older valid one is tried. Progress and outcome
 * are plain lines (journald under systemd).
 *
 * <p>Nothing is installed twice: the booted version is never reinstalled, a bundle waiting for its reboot is
 * passed over, and failed bundles are skipped. A medium pulled mid-install fails that install cleanly (the target
 * stays unbootable); inserting it again changes what the watcher sees, and the install of the same bundle
 * resumes from the installer's journal.
 */
public final class StandaloneAgent {

    /** Opens a bundle file (a test substitutes a source that fails like a pulled stick). */
    @FunctionalInterface
    public interface SourceOpener {
        BundleSource open(Path bundle) throws IOException;
    }

    private final DeviceSlots slots;
    private final Installer installer;
    private final MediaWatcher watcher;
    private final MediaMounter mounter;
    private final BundleScanner scanner;
    private final SourceOpener opener;
    private final Rebooter rebooter;
    private final boolean autoReboot;
    private final AgentSettings settings;
    private final AgentListener listener;
    private final ScheduledExecutorService scheduler;
    /** place → fingerprint of its bundle files at the last look: a change triggers a scan. */
    private Map<Path, String> seen = Map.of();

    StandaloneAgent(DeviceSlots slots, Installer installer, MediaWatcher watcher, MediaMounter mounter,
                    SourceOpener opener, Rebooter rebooter, boolean autoReboot, AgentSettings settings,
                    AgentListener listener) {
        this.slots = slots;
        this.installer = installer;
        this.watcher = watcher;
        this.mounter = mounter;
        this.scanner = new BundleScanner(slots, settings.clock(), listener::line);
        this.opener = opener;
        this.rebooter = rebooter;
        this.autoReboot = autoReboot;
        this.settings = settings;
        this.listener = listener;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "tandem-agent"));
    }

    /** Wires standalone mode from the system config ({@code [agent] standalone-dirs}, {@code auto-reboot}). */
    public static StandaloneAgent create(DeviceSlots slots, AgentSettings settings, Rebooter rebooter,
                                         AgentListener listener) {
        var agent = slots.config().agent();
        Installer installer = new Installer(slots, InstallSettings.defaults().withReuseLocal(false)
                .withClock(settings.clock()));
        return new StandaloneAgent(slots, installer, MediaWatcher.system(agent.standaloneDirs()),
                MediaMounter.system(slots.slots(), slots.config().dataDir(), listener::line), FileSource::open, rebooter, agent.autoReboot(), settings,
                listener);
    }

    /** For tests: the same agent with other media, source and reboot seams. */
    static StandaloneAgent of(DeviceSlots slots, MediaWatcher watcher, SourceOpener opener, Rebooter rebooter,
                              boolean autoReboot, AgentSettings settings, AgentListener listener) {
        return of(slots, watcher, MediaMounter.none(), opener, rebooter, autoReboot, settings, listener);
    }

    /** For tests: also media this agent mounts itself. */
    static StandaloneAgent of(DeviceSlots slots, MediaWatcher watcher, MediaMounter mounter, SourceOpener opener,
                              Rebooter rebooter, boolean autoReboot, AgentSettings settings,
                              AgentListener listener) {
        Installer installer = new Installer(slots, InstallSettings.defaults().withReuseLocal(false)
                .withClock(settings.clock()));
        return new StandaloneAgent(slots, installer, watcher, mounter, opener, rebooter, autoReboot, settings,
                listener);
    }

    /** Starts looking, at once and then every scan interval. */
    public void start() {
        listener.line("agent: standalone; watching removable media and " + slots.config().agent().standaloneDirs());
        scheduler.scheduleWithFixedDelay(this::look, 0, settings.mediaScanInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Stops looking; an install in progress is interrupted (its journal resumes it). */
    public void stop() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until {@link #stop} was called. */
    public void awaitStopped() throws InterruptedException {
        while (!scheduler.awaitTermination(1, TimeUnit.HOURS)) {
            // runs until stopped
        }
    }

    /**
     * One look: scan when something changed or a medium was inserted, install the best bundle found. Media this
     * agent mounted are unmounted before the reboot.
     */
    void look() {
        try {
            // the places before mounting: media mounted for this look only are not part of the fingerprint
            List<Path> places = watcher.places();
            Map<Path, String> now = new LinkedHashMap<>();
            for (Path p : places) {
                now.put(p, fingerprint(p));
            }
            boolean changed = !now.equals(seen);
            seen = now;
            List<MediaMounter.Medium> media = mounter.mountNew();
            if (!changed && media.isEmpty()) {
                return;
            }
            Outcome outcome = Outcome.NONE;
            try {
                List<Path> all = new ArrayList<>(places);
                media.forEach(m -> all.add(m.point()));
                for (BundleCandidate c : scanner.ranked(all)) {
                    outcome = install(c);
                    if (outcome != Outcome.REFUSED) {
                        break;
                    }
                }
                if (!media.isEmpty() && outcome == Outcome.NONE) {
                    listener.line("media: no bundle to install on " + media.stream().map(m -> m.device().toString())
                            .collect(Collectors.joining(", ")));
                }
            } finally {
                media.forEach(mounter::unmount);
            }
            if (outcome == Outcome.REBOOT) {
                reboot();
            }
        } catch (RuntimeException e) {
            listener.line("agent: " + InstallFailure.oneLine(e));
        }
    }

    /** What one install attempt came to. */
    private enum Outcome {
        /** Nothing installed. */
        NONE,
        /** Refused by policy: the next older candidate may be tried. */
        REFUSED,
        /** Installed; the device is to reboot. */
        REBOOT,
        /** Failed, or installed and waiting for a reboot by hand. */
        DONE
    }

    /**
     * Installs {@code c}; REFUSED when the install refused it by policy (a check the scanner cannot make: the slot
     * sizes, a mounted target, the pre-install hook), so that the next older candidate may be tried.
     */
    private Outcome install(BundleCandidate c) {
        listener.line("installing " + c.path() + " (version " + c.version() + ", bundle "
                + c.bundleId().substring(0, 12) + ")");
        InstallResult r;
        try (BundleSource source = opener.open(c.path())) {
            r = installer.install(source, InstallOptions.defaults(), new ProgressLines());
        } catch (IOException | RuntimeException e) {
            InstallFailure f = InstallFailure.of(e);
            // A read error is what a pulled stick looks like: the target stays unbootable, the installer's journal
            // keeps what was written, and the next insertion (a change the watcher sees) resumes.
            listener.line("install of " + c.path() + " failed: " + f.reason() + (e instanceof IOException
                    ? "; inserting the medium again resumes it" : ""));
            if (f.kind() == InstallFailure.Kind.TRANSIENT) {
                seen = Map.of(); // the lock was busy: look again at the next interval
                mounter.forget();
            }
            return e instanceof PolicyException ? Outcome.REFUSED : Outcome.DONE;
        }
        listener.line(String.format("installed %s into %s in %.1f s%s", r.version(), r.images().get(0).slot(),
                r.elapsed().toMillis() / 1000.0, r.resumed() ? " (resumed)" : ""));
        if (!autoReboot) {
            listener.line("reboot to boot " + r.version() + " (auto-reboot = false)");
            return Outcome.DONE;
        }
        listener.line("rebooting into " + r.version());
        return Outcome.REBOOT;
    }

    private void reboot() {
        try {
            rebooter.reboot();
        } catch (IOException e) {
            listener.line(e.getMessage());
        }
    }

    /** The names, sizes and times of a place's bundle files: changes when a medium or its files change. */
    private static String fingerprint(Path place) {
        StringBuilder sb = new StringBuilder();
        for (Path f : BundleScanner.files(place)) {
            try {
                sb.append(f).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            } catch (IOException e) {
                sb.append(f).append(" ?\n");
            }
        }
        return sb.toString();
    }

    /** Progress as a line every ten percent or every scan of a minute, whichever comes first. */
    private final class ProgressLines implements InstallListener {
        private int lastPercent = -1;
        private Instant lastAt = Instant.EPOCH;

        @Override
        public synchronized void progress(InstallProgress p) {
            int percent = p.percent();
            Instant now = settings.clock().instant();
            if (percent / 10 != lastPercent / 10 || now.isAfter(lastAt.plus(Duration.ofMinutes(1)))) {
                lastPercent = percent;
                lastAt = now;
                listener.line("installing: " + percent + " % of " + ByteSizes.human(p.imageBytesTotal())
                        + " written");
            }
        }

        @Override
        public synchronized void note(String message) {
            listener.line(message);
        }
    }
}
