package dev.tandem.agent;

import dev.tandem.storage.DurableFile;
import dev.tandem.slot.CommandRunner;
import dev.tandem.slot.config.DownloadConfig;
import dev.tandem.slot.config.DownloadWindow;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * May the agent download now, and if not, why and until when? One answer from three things the user controls
 * (README.md "Download policy", CONFIG.md {@code [download]}):
 * <ol>
 *   <li>the pause flag {@code <data-dir>/agent/paused} ({@code tandem agent pause}, kept across reboots);</li>
 *   <li>the download windows, in the device's local time;</li>
 *   <li>a metered link: NetworkManager's {@code Metered} property when NetworkManager runs, otherwise the
 *       {@code metered-check} command (exit 0 metered, 1 not metered; anything else, a timeout included, means no
 *       download: the user asked not to pay for traffic, and a broken check must not spend it).</li>
 * </ol>
 * Every mode asks {@link #check()} before a download and while one runs; a "no" stops the running download, whose
 * install journal keeps what was written, so the next allowed install resumes where it stopped.
 *
 * <p>The check commands run through {@link CommandRunner}: killed with their children after
 * {@value #CHECK_TIMEOUT_SECONDS} s, at most 4 KiB of their output kept. The metered answer is reused for
 * {@code recheck}, so a download's progress ticks do not start a process each.
 */
public final class DownloadPolicy {

    static final long CHECK_TIMEOUT_SECONDS = 10;
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(CHECK_TIMEOUT_SECONDS);
    /** NetworkManager's global metered state: that of the device carrying the default route. */
    static final List<String> NETWORK_MANAGER = List.of("busctl", "--system", "get-property",
            "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager",
            "Metered");
    /** At most 9 digits: busctl's answer is outside input, and a longer number is not an NMMetered value. */
    private static final Pattern NM_METERED = Pattern.compile("u ([0-9]{1,9})");
    /** NMMetered: 1 yes, 3 guess-yes (0 unknown, 2 no, 4 guess-no). */
    private static final int NM_YES = 1;
    private static final int NM_GUESS_YES = 3;
    private static final int MAX_PAUSE_FILE = 1024;

    /**
     * The answer.
     *
     * @param allowed whether a download may run now
     * @param reason  why not (one line); null when allowed
     * @param until   when the answer changes by itself (a window opens); null when unknown or up to the user
     */
    public record Verdict(boolean allowed, String reason, Instant until) {

        static final Verdict YES = new Verdict(true, null, null);

        static Verdict no(String reason, Instant until) {
            return new Verdict(false, reason, until);
        }

        /** For a log line: the reason, and until when. */
        public String describe() {
            return allowed ? "downloads allowed" : reason + (until != null ? " (until " + until + ")" : "");
        }
    }

    private final DownloadConfig config;
    private final DurableFile pauseFile;
    private final List<String> networkManager;
    private final Clock clock;
    private final ZoneId zone;
    private final Duration recheck;
    private Verdict metered;
    private Instant meteredAt;

    DownloadPolicy(DownloadConfig config, Path dataDir, List<String> networkManager, Clock clock, ZoneId zone,
                   Duration recheck) {
        this.config = config;
        this.pauseFile = pauseFile(dataDir);
        this.networkManager = List.copyOf(networkManager);
        this.clock = clock;
        this.zone = zone;
        this.recheck = recheck;
    }

    /**
     * The policy of a device: {@code [download]} of its config, the pause flag in its data-dir, windows in the
     * system's time zone.
     *
     * @param recheck how long a metered answer is reused
     */
    public static DownloadPolicy of(SystemConfig cfg, Clock clock, Duration recheck) {
        DownloadConfig d = cfg.download() != null ? cfg.download() : DownloadConfig.defaults();
        return new DownloadPolicy(d, cfg.dataDir(), NETWORK_MANAGER, clock, ZoneId.systemDefault(), recheck);
    }

    /** May the agent download now? */
    public synchronized Verdict check() {
        Optional<String> paused = paused(pauseFile);
        if (paused.isPresent()) {
            return Verdict.no("paused by `tandem agent pause` " + paused.get() + "; `tandem agent resume` goes on",
                    null);
        }
        Instant now = clock.instant();
        if (!config.windows().isEmpty()) {
            ZonedDateTime local = now.atZone(zone);
            ZonedDateTime next = null;
            for (DownloadWindow w : config.windows()) {
                ZonedDateTime open = w.nextOpening(local);
                if (open.equals(local)) {
                    next = null;
                    break;
                }
                next = next == null || open.isBefore(next) ? open : next;
            }
            if (next != null) {
                return Verdict.no("outside the download windows " + config.windows(), next.toInstant());
            }
        }
        if (config.allowMetered()) {
            return Verdict.YES;
        }
        if (metered == null || !now.isBefore(meteredAt.plus(recheck))) {
            metered = meteredNow();
            meteredAt = now;
        }
        return metered;
    }

    private Verdict meteredNow() {
        CommandRunner.Result nm = CommandRunner.run(networkManager, Map.of(), CHECK_TIMEOUT);
        if (nm.ok()) {
            Matcher m = NM_METERED.matcher(nm.output().strip());
            if (m.matches()) {
                int v = Integer.parseInt(m.group(1));
                return v == NM_YES || v == NM_GUESS_YES
                        ? Verdict.no("NetworkManager says the link is metered", null) : Verdict.YES;
            }
        }
        // NetworkManager does not run (or said something else): the configured command, if any, decides.
        List<String> argv = config.meteredCheck();
        if (argv.isEmpty()) {
            return Verdict.YES;
        }
        CommandRunner.Result r = CommandRunner.run(argv, Map.of(), CHECK_TIMEOUT);
        if (r.timedOut() || r.exitCode() != 1) {
            return r.exitCode() == 0 && !r.timedOut()
                    ? Verdict.no("metered-check says the link is metered", null)
                    : Verdict.no("metered-check " + r.describe(CHECK_TIMEOUT) + "; no download until it answers"
                    + " (exit 0 metered, 1 not metered)", null);
        }
        return Verdict.YES;
    }

    // ---- the pause flag ------------------------------------------------------------------------------------

    static DurableFile pauseFile(Path dataDir) {
        return DurableFile.at(dataDir.resolve("agent").resolve("paused"));
    }

    /**
     * Pauses downloads until {@link #resume}: a running download stops at the agent's next look, and none starts.
     * Durable (fsynced), so it holds across agent restarts and reboots.
     *
     * @return false when downloads were paused already
     */
    public static boolean pause(Path dataDir, Instant now) throws IOException {
        DurableFile f = pauseFile(dataDir);
        if (paused(f).isPresent()) {
            return false;
        }
        Files.createDirectories(f.path().getParent());
        f.replace(("since " + now + "\n").getBytes(StandardCharsets.US_ASCII));
        return true;
    }

    /**
     * Lifts a pause; the agent resumes an interrupted download where it stopped.
     *
     * @return false when downloads were not paused
     */
    public static boolean resume(Path dataDir) throws IOException {
        DurableFile f = pauseFile(dataDir);
        boolean was = paused(f).isPresent();
        f.delete();
        return was;
    }

    /** Whether downloads are paused, and since when ("since ..."); a flag that cannot be read counts as paused. */
    public static Optional<String> paused(Path dataDir) {
        return paused(pauseFile(dataDir));
    }

    private static Optional<String> paused(DurableFile f) {
        if (!Files.exists(f.path())) {
            return Optional.empty();
        }
        try {
            if (Files.size(f.path()) > MAX_PAUSE_FILE) {
                return Optional.of("");
            }
            Optional<byte[]> b = f.read();
            if (b.isEmpty()) {
                return Optional.empty();
            }
            String text = new String(b.get(), 0, Math.min(b.get().length, MAX_PAUSE_FILE), StandardCharsets.US_ASCII)
                    .strip();
            return Optional.of(text.matches("since [0-9TZ:.-]{1,40}") ? text : "");
        } catch (IOException e) {
            return Optional.of("");
        }
    }
}
