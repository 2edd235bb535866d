package dev.tandem.agent.feed;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.BootVerdict;
import dev.tandem.agent.ControllerId;
import dev.tandem.agent.InstallFailure;
import dev.tandem.agent.InstallRun;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.managed.ManagedAgent;
import dev.tandem.agent.ByteSizes;
import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.agent.ddi.UpdateStatus;
import dev.tandem.storage.DurableFile;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import dev.tandem.slot.config.AgentConfig;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.config.FeedKeys;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.SemVer;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Feed mode (device-agent/FEED.md): no fleet server; the device reads its channel's signed feed from any web
 * server, takes the entry meant for it ({@link FeedChoice}) and installs it as managed mode does: the same
 * {@link Installer} on its own thread ({@link InstallRun}: resume from the installer's journal, reuse of the
 * booted slot's chunks, progress lines), activation, the configured reboot, and boot-check's verdict read back
 * with {@link BootVerdict} and kept in {@code agent/feed-status} for {@code tandem status}.
 *
 * <p>One look per feed interval (plus up to 10 % jitter), on one thread: while an install runs, a look every
 * progress interval; after an activation, a look every status interval until boot-check decided. Every failure is
 * one line and a retry at the next look. Never installed: the booted bundle, a bundle that failed here before,
 * a lower version unless {@code tandem channel set} switched channels since (and then never below the
 * anti-rollback floor: the installer refuses that).
 *
 * <p>Policy plugs in at {@link DownloadGate}: asked before an install starts and at every progress look; a
 * refusal while an install runs stops it with {@link InstallRun#cancel()}, and the next start resumes it.
 */
public final class FeedAgent {

    /** The journal of an activated feed install, read back after the reboot. */
    static final String JOURNAL = "feed-action.json";
    /** The last outcome, one line, for {@code tandem status}. */
    public static final String STATUS = "feed-status";
    /** The channel chosen with {@code tandem channel set}. */
    public static final String CHANNEL = "feed-channel";

    private final DeviceSlots slots;
    private final Installer installer;
    private final FeedKeys keys;
    private final String controllerId;
    private final HttpOptions configured;
    private final int maxRequests;
    private final Rebooter rebooter;
    private final boolean autoReboot;
    private final AgentSettings settings;
    private final AgentListener listener;
    private final DownloadGate gate;
    private final Path agentDir;
    private final FeedFetcher fetcher;
    private final ScheduledExecutorService scheduler;

    private volatile InstallRun run;
    /** The pending look (guarded by this). */
    private ScheduledFuture<?> next;
    private FeedEntry installing;
    private ChannelChoice installingChoice;
    private Instant lastRebootAsked = Instant.EPOCH;
    private String lastLine;

    FeedAgent(DeviceSlots slots, Installer installer, FeedKeys keys, String controllerId, HttpOptions configured,
              int maxRequests, Rebooter rebooter, boolean autoReboot, AgentSettings settings, AgentListener listener,
              DownloadGate gate, Path agentDir) {
        this.slots = slots;
        this.installer = installer;
        this.keys = keys;
        this.controllerId = controllerId;
        this.configured = configured;
        this.maxRequests = maxRequests;
        this.rebooter = rebooter;
        this.autoReboot = autoReboot;
        this.settings = settings;
        this.listener = listener;
        this.gate = gate;
        this.agentDir = agentDir;
        this.fetcher = new FeedFetcher(configured);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "tandem-agent"));
    }

    /**
     * Wires feed mode from {@code [agent]} (feed, channel, feed-interval, controller-id, ca-file, auto-reboot,
     * max-requests) and {@code [http]}.
     *
     * @throws ConfigException when feed mode is not configured or a file it names cannot be read
     */
    public static FeedAgent create(DeviceSlots slots, AgentSettings settings, Rebooter rebooter,
                                   AgentListener listener, Map<String, String> env, DownloadGate gate) {
        SystemConfig cfg = slots.config();
        AgentConfig a = cfg.agent();
        if (a == null || a.feed() == null) {
            throw new ConfigException(cfg.file() + ": [agent]: feed is not set; feed mode needs the URL of a"
                    + " channel's feed.json");
        }
        Path agentDir = cfg.dataDir().resolve("agent");
        try {
            Files.createDirectories(agentDir);
            String id = ControllerId.resolve(a.controllerId(), DurableFile.at(agentDir.resolve("controller-id")),
                    Path.of("/etc/hostname"), Path.of("/etc/machine-id"));
            HttpOptions http = HttpOptions.of(cfg.http(), env);
            Path ca = a.caFile() != null ? a.caFile() : cfg.http().caFile();
            if (ca != null) {
                http = http.withCaFile(ca);
            }
            Installer installer = new Installer(slots, InstallSettings.defaults().withReuseLocal(true)
                    .withClock(settings.clock()));
            return new FeedAgent(slots, installer, new FeedKeys(a.feed(), a.channel(), a.feedInterval()), id, http,
                    a.maxRequests(), rebooter, a.autoReboot(), settings, listener, gate, agentDir);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("agent: " + e.getMessage());
        }
    }

    /** Starts looking, at once and then every feed interval. */
    public void start() {
        listener.line("agent: feed mode; controller id " + controllerId + ", feed " + keys.url());
        schedule(Duration.ZERO);
    }

    /** Stops; a running install is stopped at its next read (its journal resumes it at the next start). */
    public void stop() {
        scheduler.shutdownNow();
        InstallRun r = run;
        if (r != null) {
            r.cancel();
            r.interrupt();
        }
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            if (r != null) {
                r.awaitDone(Duration.ofSeconds(10));
            }
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
     * Schedules the next look; one chain of looks only: a look already pending sooner stays (the install's end
     * wakes the agent while a look may be running, which schedules its own next one too).
     */
    private synchronized void schedule(Duration delay) {
        long ms = Math.max(0, delay.toMillis());
        if (next != null && !next.isDone()) {
            if (next.getDelay(TimeUnit.MILLISECONDS) <= ms) {
                return;
            }
            next.cancel(false);
        }
        try {
            next = scheduler.schedule(this::tick, ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    private void tick() {
        synchronized (this) {
            next = null; // this look is the pending one no more
        }
        Duration wait;
        try {
            wait = look();
        } catch (Exception e) {
            wait = pollDelay();
            say("agent: " + InstallFailure.oneLine(e) + "; trying again in " + Math.max(1, wait.toSeconds()) + " s");
        } catch (Error e) {
            wait = pollDelay();
            say("agent: " + e.getClass().getName() + ": " + InstallFailure.oneLine(e));
        }
        if (!Thread.currentThread().isInterrupted()) {
            schedule(wait);
        }
    }

    /** One look; returns when to look next. */
    Duration look() throws IOException {
        InstallRun r = run;
        if (r != null) {
            return r.isDone() ? installEnded(r) : watch(r);
        }
        Optional<ActionJournal> journal;
        try {
            journal = ActionJournal.load(file(JOURNAL));
        } catch (IOException e) {
            // A newer agent's journal after a fallback: boot-check has judged that slot anyway; start afresh.
            say("feed journal unreadable (" + e.getMessage() + "); moved aside");
            Path p = file(JOURNAL).path();
            Files.move(p, p.resolveSibling(JOURNAL + ".unreadable"), StandardCopyOption.REPLACE_EXISTING);
            journal = Optional.empty();
        }
        if (journal.isPresent()) {
            Duration wait = verdict(journal.get());
            if (wait != null) {
                return wait;
            }
        }
        SlotStatus booted = slots.current().slot(slots.booted().name());
        if (booted.state() != SlotState.GOOD) {
            say("waiting: the booted slot " + slots.booted().name() + " is " + booted.state().jsonName()
                    + "; updates start only on a good slot (after boot-check)");
            return settings.statusInterval();
        }
        ChannelChoice choice = ChannelChoice.load(file(CHANNEL), keys.channel());
        URI feedUrl = FeedKeys.urlFor(keys.url(), keys.channel(), choice.channel());
        Feed feed;
        try {
            feed = readFeed(feedUrl, choice.channel());
        } catch (FeedException e) {
            say("feed " + feedUrl + " refused: " + e.getMessage());
            return pollDelay();
        }
        Optional<FeedEntry> entry = FeedChoice.choose(feed, slots.config().compatible(), booted.version(),
                controllerId);
        if (entry.isEmpty()) {
            say("feed (channel " + choice.channel() + ", issued " + feed.issued() + "): nothing for "
                    + slots.config().compatible() + " at version " + booted.version());
            return pollDelay();
        }
        FeedEntry e = entry.get();
        Optional<String> skip = whyNot(e, booted, slots.current(), choice);
        if (skip.isPresent()) {
            say("feed (channel " + choice.channel() + ", issued " + feed.issued() + "): " + skip.get());
            return pollDelay();
        }
        Optional<String> refused = gate.refusal();
        if (refused.isPresent()) {
            say("feed offers " + e.version() + "; not downloading now: " + refused.get());
            return settings.statusInterval();
        }
        return startInstall(feedUrl, e, choice);
    }

    /** Reads, verifies and remembers the feed: its {@code issued} is the floor of the next one. */
    private Feed readFeed(URI url, String channel) throws IOException, FeedException {
        byte[] json = fetcher.fetch(url, FeedJson.MAX_FEED_BYTES);
        byte[] sig = fetcher.fetch(url.resolve(lastSegment(url) + ".p7s"), FeedJson.MAX_SIGNATURE_BYTES);
        SystemConfig cfg = slots.config();
        DeviceStatus st = slots.current();
        TrustPolicy trust = new TrustPolicy(settings.clock().instant(), st.timeFloor(), cfg.checkSignerTime(),
                cfg.signaturesRequired(), cfg.allowedSigners());
        DurableFile seen = file("feed-issued-" + channel);
        Instant last = lastIssued(seen);
        Feed feed = new FeedVerifier(Keyring.load(cfg.keyring()), trust).verify(json, sig, channel, last);
        if (last == null || feed.issued().isAfter(last)) {
            seen.replace(feed.issued().toString().getBytes(StandardCharsets.UTF_8));
        }
        return feed;
    }

    private static Instant lastIssued(DurableFile seen) throws IOException {
        Optional<byte[]> b = seen.read();
        if (b.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(new String(b.get(), StandardCharsets.UTF_8).trim());
        } catch (DateTimeParseException e) {
            // Never forget a floor by accident: a broken file stops feed updates until someone looks.
            throw new IOException(seen.path() + ": not a time; remove it to accept feeds again");
        }
    }

    /** Why {@code e} is not installed, or empty to install it. */
    static Optional<String> whyNot(FeedEntry e, SlotStatus booted, DeviceStatus status, ChannelChoice choice) {
        if (e.bundleId().equals(booted.bundleId())) {
            return Optional.of("up to date (" + e.version() + ", bundle " + e.bundleId().substring(0, 12) + ")");
        }
        if (status.hasFailed(e.bundleId())) {
            return Optional.of(e.version() + " (bundle " + e.bundleId().substring(0, 12) + ") failed on this device"
                    + " before; not installed again");
        }
        if (booted.version() != null) {
            int c = SemVer.parse(e.version()).compareTo(SemVer.parse(booted.version()));
            if (c == 0) {
                return Optional.of("offers " + e.version() + ", the booted version");
            }
            if (c < 0 && !choice.mayDowngrade()) {
                return Optional.of("offers " + e.version() + ", older than the booted " + booted.version()
                        + " (only after `tandem channel set`)");
            }
        }
        return Optional.empty();
    }

    private Duration startInstall(URI feedUrl, FeedEntry e, ChannelChoice choice) {
        URI bundle = feedUrl.resolve(e.url());
        if (!"http".equals(bundle.getScheme()) && !"https".equals(bundle.getScheme())
                || "https".equals(feedUrl.getScheme()) && !"https".equals(bundle.getScheme())) {
            say("feed entry " + e.version() + ": url " + display(bundle) + " refused (http(s) only, and"
                    + " https when the feed is)");
            return pollDelay();
        }
        // Credentials go where the owner configured them: the feed's origin. A bundle elsewhere gets none.
        HttpOptions http = (DdiClient.sameOrigin(bundle, feedUrl) ? configured : configured.withoutCredentials())
                .withMaxRequests(maxRequests).withMultiRange(ManagedAgent.MERGE_GAP_BYTES, 64);
        say("installing " + e.version() + " from " + display(bundle) + " (" + ByteSizes.human(e.size())
                + ", bundle " + e.bundleId().substring(0, 12) + (choice.mayDowngrade() ? ", channel switched" : "")
                + ")");
        installing = e;
        installingChoice = choice;
        InstallOptions options = new InstallOptions(false, false, choice.mayDowngrade(), false, true);
        run = InstallRun.start(installer, () -> HttpSource.open(bundle, http), options, () -> schedule(Duration.ZERO));
        return settings.progressInterval();
    }

    /** A running install: progress, and the gate's say. */
    private Duration watch(InstallRun r) {
        Optional<String> refused = gate.refusal();
        if (refused.isPresent() && !r.canceled()) {
            say("stopping the download: " + refused.get() + "; it resumes where it stopped");
            r.cancel();
        }
        InstallProgress p = r.progress();
        if (p != null) {
            say("installing " + installing.version() + ": " + Math.min(100, Math.max(0, p.percent())) + " % of "
                    + ByteSizes.human(p.imageBytesTotal()) + " written (downloaded "
                    + ByteSizes.human(p.bytesDownloaded()) + ", reused " + ByteSizes.human(p.bytesReused())
                    + ")");
        }
        return settings.progressInterval();
    }

    @SuppressWarnings("try") // the lock is held for the block, not used in it
    private Duration installEnded(InstallRun r) throws IOException {
        run = null;
        FeedEntry e = installing;
        InstallResult result;
        try {
            result = r.result();
        } catch (Throwable t) {
            InstallFailure f = InstallFailure.of(t);
            say("install of " + e.version() + (r.canceled() ? " stopped" : " failed") + ": " + f.reason());
            return f.kind() == InstallFailure.Kind.TRANSIENT || r.canceled() ? settings.statusInterval()
                    : pollDelay();
        }
        Slot target = slots.select(result.images().get(0).slot());
        if (!result.bundleId().equals(e.bundleId())) {
            // Signed, and admitted by policy, but not what the signed feed named: a mirror serving another
            // bundle under this name. It is not booted.
            try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "agent: feed")) {
                slots.markBad(target, "the feed named bundle " + e.bundleId() + ", the server sent "
                        + result.bundleId());
            }
            record(UpdateStatus.FAILURE, e.version(), e.bundleId(), "the server sent bundle "
                    + result.bundleId().substring(0, 12) + " (" + result.version() + ") instead of the feed's "
                    + e.bundleId().substring(0, 12) + "; not booted");
            return pollDelay();
        }
        say(String.format("installed %s into %s in %.1f s (downloaded %s, reused %s)%s", result.version(),
                target.name(), result.elapsed().toMillis() / 1000.0, ByteSizes.human(result.downloaded()),
                ByteSizes.human(result.reused()), result.resumed() ? ", resumed" : ""));
        try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "agent: feed activate")) {
            slots.activate(slots.group(target));
        }
        ActionJournal j = ActionJournal.start("feed").installing(e.url(), false)
                .installed(target.name(), result.bundleId(), result.version())
                .activated(slots.bootId()).in(AgentState.VERIFY_BOOT, settings.clock().instant());
        j.store(file(JOURNAL));
        if (installingChoice.mayDowngrade()) {
            // The switch is used up by this install; a later lower version needs another `channel set`.
            new ChannelChoice(installingChoice.channel(), false).store(file(CHANNEL));
        }
        return reboot(j);
    }

    private Duration reboot(ActionJournal j) {
        if (!autoReboot) {
            say("installed " + j.version() + " into " + j.targetSlot() + "; reboot to try it (auto-reboot = false)");
            return settings.statusInterval();
        }
        say("rebooting into " + j.targetSlot() + " (version " + j.version() + ")");
        lastRebootAsked = settings.clock().instant();
        try {
            rebooter.reboot();
        } catch (IOException ex) {
            say(ex.getMessage());
        }
        return settings.statusInterval();
    }

    /** Boot-check's verdict on an activated install; null when it is decided and recorded (look at the feed). */
    private Duration verdict(ActionJournal j) throws IOException {
        BootVerdict v = BootVerdict.of(j, slots.booted().name(), slots.bootId(), slots.current());
        switch (v.kind()) {
            case NOT_REBOOTED -> {
                if (autoReboot && settings.clock().instant().isAfter(lastRebootAsked.plus(settings.rebootWait()))) {
                    return reboot(j);
                }
                say(v.reason());
                return settings.statusInterval();
            }
            case UNDECIDED -> {
                say(v.reason());
                return settings.statusInterval();
            }
            default -> {
                record(v.kind() == BootVerdict.Kind.SUCCESS ? UpdateStatus.SUCCESS : UpdateStatus.FAILURE,
                        j.version(), j.bundleId(), v.reason());
                file(JOURNAL).delete();
                return null;
            }
        }
    }

    /** Keeps the outcome for {@code tandem status} and says it. */
    private void record(UpdateStatus outcome, String version, String bundleId, String reason) throws IOException {
        String line = settings.clock().instant() + " " + (outcome == UpdateStatus.SUCCESS ? "success" : "failure")
                + ": " + version + " (bundle " + bundleId.substring(0, 12) + "): " + reason;
        file(STATUS).replace((line + "\n").getBytes(StandardCharsets.UTF_8));
        say("update " + line.substring(line.indexOf(' ') + 1));
    }

    private DurableFile file(String name) {
        return DurableFile.at(agentDir.resolve(name));
    }

    private Duration pollDelay() {
        long ms = keys.interval().toMillis();
        return Duration.ofMillis(ms + ThreadLocalRandom.current().nextLong(ms / 10 + 1));
    }

    /** A line, printed once while it stays the same. */
    private void say(String line) {
        if (!line.equals(lastLine)) {
            lastLine = line;
            listener.line(line);
        }
    }

    private static String lastSegment(URI url) {
        String p = url.getRawPath();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** A URL in a line: without user info, query or fragment. */
    private static String display(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                + (u.getRawPath() == null ? "" : dev.tandem.agent.ddi.DdiJson.oneLine(u.getRawPath()));
    }
}
