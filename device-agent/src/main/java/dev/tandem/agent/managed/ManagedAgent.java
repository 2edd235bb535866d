package dev.tandem.agent.managed;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.ControllerId;
import dev.tandem.agent.DownloadPolicy;
import dev.tandem.agent.InstallFailure;
import dev.tandem.agent.InstallRun;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.storage.DurableFile;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.slot.config.AgentConfig;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The managed agent (ARCHITECTURE.md §7): a hawkBit DDI client that polls, streams the offered bundle into the inactive
 * slot, reboots into it and reports boot-check's verdict, as the explicit state machine of {@link AgentFlow}.
 *
 * <p>The engine runs one step at a time on a single-threaded scheduler ({@code tandem-agent}); the step's delay
 * is the server's polling sleep, a progress tick or a backoff. On entry to a persisted state the
 * {@link ActionJournal} is written before the step acts (Mender's SaveState), so a restart resumes where
 * {@link AgentFlow#resume} says. The install itself runs on its own thread and wakes the engine when it ends.
 *
 * <p>Usage: {@link #create}, {@link #start()}, and {@link #stop()} from a shutdown hook.
 */
public final class ManagedAgent {

    private static final System.Logger LOG = System.getLogger(ManagedAgent.class.getName());

    /** {@link Error}s in a row after which the process had better start afresh. */
    static final int MAX_UNEXPECTED_FAILURES = 5;

    /** Extra bytes fetched between two wanted ranges rather than another request: hawkBit logs every GET. */
    public static final long MERGE_GAP_BYTES = 4L * 1024 * 1024;

    private final ManagedContext c;
    private final ScheduledExecutorService scheduler;
    private final Object scheduling = new Object();
    private volatile AgentState state = AgentState.IDLE;
    /** Which scheduled step is the live one: a step scheduled under an older generation does nothing. */
    private long generation;
    /** A step is running (guarded by {@code scheduling}). */
    private boolean stepping;
    /** A wake-up came while a step ran: the next step runs at once (guarded by {@code scheduling}). */
    private boolean woken;
    /** A state whose journal could not be written yet: entered again before any step runs. */
    private Entry pendingEntry;
    /** {@link Error}s in a row: a bug or a resource problem. */
    private int unexpectedFailures;
    /** Why the agent stopped on its own; null while it runs or after {@link #stop}. */
    private volatile String fatal;

    private record Entry(AgentState state, AgentEvent event) {
    }

    ManagedAgent(ManagedContext context) {
        this.c = context;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-agent");
            t.setDaemon(false);
            return t;
        });
    }

    /**
     * Wires the agent from the system config's {@code [agent]} table (and {@code [http]} for downloads).
     *
     * @param env the environment, for proxies ({@code HTTPS_PROXY}, ...)
     * @throws ConfigException when managed mode is not configured or a file it names cannot be read
     */
    public static ManagedAgent create(DeviceSlots slots, AgentSettings settings, Rebooter rebooter,
                                      AgentListener listener, Map<String, String> env) {
        SystemConfig cfg = slots.config();
        AgentConfig a = cfg.agent();
        if (a == null || a.server() == null) {
            throw new ConfigException(cfg.file() + ": [agent]: server is not set; managed mode needs a hawkBit"
                    + " (DDI) server");
        }
        Path agentDir = cfg.dataDir().resolve("agent");
        try {
            Files.createDirectories(agentDir);
            String controllerId = ControllerId.resolve(a.controllerId(), DurableFile.at(agentDir.resolve(
                    "controller-id")), Path.of("/etc/hostname"), Path.of("/etc/machine-id"));
            String authorization = authorization(a);
            Path ca = a.caFile() != null ? a.caFile() : cfg.http().caFile();
            HttpOptions configured = HttpOptions.of(cfg.http(), env).withMaxRequests(a.maxRequests())
                    .withMultiRange(MERGE_GAP_BYTES, 64);
            if (ca != null) {
                configured = configured.withCaFile(ca);
            }
            // The server's DDI answers and its downloads: one trust, client certificate, headers and proxy.
            DdiClient ddi = new DdiClient(a.server(), a.tenant(), controllerId, authorization, configured,
                    Duration.ofSeconds(60));
            HttpOptions downloads = authorization == null ? configured
                    : configured.withHeader("Authorization", authorization);
            // A host the server names was configured by nobody: no token, no [http] headers, no client certificate.
            HttpOptions foreign = configured.withoutCredentials();
            Installer installer = new Installer(slots, InstallSettings.defaults().withReuseLocal(true)
                    .withClock(settings.clock()));
            AttributeReporter attributes = new AttributeReporter(slots, ddi,
                    DurableFile.at(agentDir.resolve("attributes.sha256")));
            ManagedContext context = new ManagedContext(slots, ddi, installer, downloads, foreign,
                    a.allowForeignArtifactHosts(), rebooter, a.autoReboot(),
                    settings, listener, attributes, DurableFile.at(agentDir.resolve("action.json")));
            context.policy = DownloadPolicy.of(cfg, settings.clock(), settings.statusInterval());
            return new ManagedAgent(context);
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a proxy variable that is not an http:// URL.
            throw new ConfigException("agent: " + e.getMessage());
        }
    }

    private static String authorization(AgentConfig a) throws IOException {
        if (a.auth().equals("none")) {
            return null;
        }
        String token;
        try {
            token = Files.readString(a.tokenFile(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IOException("token-file " + a.tokenFile() + ": cannot read: " + e.getMessage(), e);
        }
        if (token.isEmpty() || token.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
            throw new IOException("token-file " + a.tokenFile() + ": empty, or not one printable word");
        }
        return (a.auth().equals("gateway-token") ? "GatewayToken " : "TargetToken ") + token;
    }

    /** The state the agent is in (for tests and status). */
    public AgentState state() {
        return state;
    }

    /**
     * Reads the journal, resumes where it says, and starts polling. An unreadable journal (a newer agent's, after
     * a fallback to an older slot) is moved aside as {@code action.json.unreadable}: the server offers the
     * action again if it is still open, which is better than an agent that never runs.
     */
    public void start() {
        Optional<ActionJournal> journal;
        try {
            journal = ActionJournal.load(c.journalFile);
        } catch (IOException e) {
            c.out("agent journal unreadable (" + e.getMessage() + "); moved aside, starting afresh");
            moveAside(c.journalFile.path());
            journal = Optional.empty();
        }
        c.wake = this::wake;
        synchronized (this) {
            if (journal.isPresent()) {
                c.journal = journal.get();
                AgentState resume = AgentFlow.resume(journal.get().state());
                c.out("action " + journal.get().actionId() + ": resuming (journal says " + journal.get().state()
                        + ") at " + resume);
                pendingEntry = new Entry(resume, null);
            }
            c.out("agent: polling " + c.ddi.base());
        }
        schedule(Duration.ZERO);
    }

    /**
     * Stops polling. A running install is stopped too; its journal stays, so the next start resumes it. Waits up
     * to ten seconds for the current step to end.
     */
    public void stop() {
        scheduler.shutdownNow();
        InstallRun run = c.run;
        if (run != null) {
            run.cancel();
            run.interrupt();
        }
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            if (run != null) {
                run.awaitDone(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until {@link #stop} was called and the agent's thread ended.
     *
     * @throws IllegalStateException when the agent stopped on its own because it cannot go on (see
     *                               {@link #failed}); the caller exits non-zero
     */
    public void awaitStopped() throws InterruptedException {
        while (!scheduler.awaitTermination(1, TimeUnit.HOURS)) {
            // keep waiting: the agent runs until it is stopped
        }
        String f = fatal;
        if (f != null) {
            InstallRun run = c.run;
            if (run != null) {
                run.awaitDone(Duration.ofSeconds(10));
            }
            throw new IllegalStateException(f);
        }
    }

    /** Schedules the next step; ends the current one's turn. */
    private void schedule(Duration delay) {
        synchronized (scheduling) {
            stepping = false;
            Duration d = woken ? Duration.ZERO : delay;
            woken = false;
            submit(d);
        }
    }

    /**
     * Runs the next step now instead of after its delay (the install ended). A step scheduled earlier is not
     * cancelled (a cancel cannot stop one that has just begun) but outdated: it sees an older generation and does
     * nothing, so there is only ever one chain of steps.
     */
    private void wake() {
        synchronized (scheduling) {
            if (stepping) {
                woken = true;
            } else {
                submit(Duration.ZERO);
            }
        }
    }

    private void submit(Duration delay) {
        long gen = ++generation;
        try {
            scheduler.schedule(() -> step(gen), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    private void step(long gen) {
        synchronized (scheduling) {
            if (gen != generation) {
                return;
            }
            stepping = true;
        }
        if (Thread.currentThread().isInterrupted()) {
            return;
        }
        try {
            stepAndSchedule();
        } catch (Throwable t) {
            // Outside a step (the journal, the listener): a task that threw would be the agent's silent end, as
            // the scheduler keeps the throwable in a future nobody reads.
            failed(state, t);
            schedule(c.requests.next());
        }
    }

    private void stepAndSchedule() throws IOException {
        try {
            if (pendingEntry != null) {
                enter(pendingEntry);
                pendingEntry = null;
            }
        } catch (IOException e) {
            Duration wait = c.requests.next();
            LOG.log(System.Logger.Level.ERROR, "cannot write the agent journal ({0}); trying again in {1} s",
                    e.getMessage(), wait.toSeconds());
            schedule(wait);
            return;
        }
        AgentState from = state;
        Step r;
        try {
            r = ManagedSteps.run(from, c);
            unexpectedFailures = 0;
        } catch (Throwable e) {
            if (Thread.currentThread().isInterrupted() || scheduler.isShutdown()) {
                return;
            }
            Duration wait = failed(from, e);
            r = Step.after(AgentEvent.ERROR, wait);
        }
        pendingEntry = new Entry(AgentFlow.next(from, r.event()), r.event());
        try {
            enter(pendingEntry);
            pendingEntry = null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot write the agent journal ({0}); trying again", e.getMessage());
            schedule(c.requests.next());
            return;
        }
        schedule(r.delay());
    }

    /**
     * A step failed: one line, and the backoff to wait. An {@link Exception} (the server, the network, a slot, a
     * busy lock; tandem's own errors are unchecked too) is retried for ever. An {@link Error} is a bug or a
     * resource problem: retried too, but after {@value #MAX_UNEXPECTED_FAILURES} in a row, or at once for an
     * {@link OutOfMemoryError} or another virtual machine error, the agent stops and {@link #awaitStopped} throws,
     * so that the process exits non-zero and its service manager restarts it with a fresh heap.
     */
    private Duration failed(AgentState from, Throwable e) {
        Duration wait = c.requests.next();
        boolean expected = e instanceof Exception;
        if (!expected) {
            unexpectedFailures++;
        }
        boolean fatal = e instanceof VirtualMachineError && !(e instanceof StackOverflowError)
                || unexpectedFailures >= MAX_UNEXPECTED_FAILURES;
        String what = expected ? InstallFailure.oneLine(e) : e.getClass().getName() + ": " + InstallFailure.oneLine(e);
        if (fatal) {
            die(from, what);
            return wait;
        }
        try {
            c.out("agent: " + from + ": " + what + "; trying again in " + Math.max(1, wait.toSeconds()) + " s");
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "agent: {0}: {1}; trying again", from, what);
        }
        LOG.log(System.Logger.Level.DEBUG, "step " + from + " failed", e);
        return wait;
    }

    private void die(AgentState from, String what) {
        String line = "agent: " + from + ": " + what + (unexpectedFailures >= MAX_UNEXPECTED_FAILURES
                ? " (" + unexpectedFailures + " errors in a row)" : "")
                + "; the agent cannot go on and exits for its service manager to restart it";
        fatal = line;
        LOG.log(System.Logger.Level.ERROR, line);
        try {
            c.out(line);
        } catch (Throwable ignored) {
            // the log line is out
        }
        InstallRun run = c.run;
        if (run != null) {
            run.cancel();
            run.interrupt();
        }
        scheduler.shutdownNow();
    }

    /** Enters a state: an ended action's journal is deleted; a persisted state's is written, then announced. */
    private void enter(Entry e) throws IOException {
        if (e.event() != null && e.event().endsAction()) {
            c.journalFile.delete();
            c.endAction();
        }
        if (e.state().persisted()) {
            c.journal = c.journal.in(e.state(), c.now());
            c.journal.store(c.journalFile);
        }
        if (e.state() != state) {
            c.announced = false;
        }
        state = e.state();
        c.listener.entered(state, c.journal);
    }

    private static void moveAside(Path file) {
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".unreadable"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot move {0} aside: {1}", file, e.getMessage());
        }
    }
}
