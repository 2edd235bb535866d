package dev.tandem.agent.api;

import dev.tandem.errors.ErrorMessages;
import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.agent.CancellableSource;
import dev.tandem.agent.CanceledException;
import dev.tandem.bundle.BundleSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Installs started by local clients (the API socket, the web page): one at a time, on a thread of its own, with
 * its phase and progress streamed to subscribers and kept for {@link #state()}, a cancel, and the last result.
 *
 * <p>One at a time holds twice: while this service runs an install a second {@link #start} is refused with
 * {@link Busy} and the running install's state; an install by anything else (the agent's own, a {@code tandem
 * install} process) holds the data-dir lock, and {@link #start} is refused with the lock holder's description
 * ("pid 4242: install 37 %").
 *
 * <p>Subscribers are called on the install thread and under this service's monitor, so that a new subscriber's
 * first state and the events after it neither overlap nor leave a gap: they must only queue the event.
 */
public final class InstallService {

    /** Opens the bundle source; runs on the install thread (a slow server or uploader never blocks the caller). */
    @FunctionalInterface
    public interface SourceFactory {
        BundleSource open() throws IOException;
    }

    /** Receives events ({@code state}, {@code phase}, {@code progress}, {@code note}, {@code done}, {@code failed}). */
    @FunctionalInterface
    public interface Subscriber {
        /** Must be quick and must not throw: queue the event and return. */
        void event(ObjectNode event);
    }

    /** An install is already running; {@link #state()} is the running install's state at the refusal. */
    public static final class Busy extends TandemException {
        private final transient ObjectNode state;

        Busy(String message, ObjectNode state) {
            super(ExitCategory.BUSY, message);
            this.state = state;
        }

        public ObjectNode state() {
            return state;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<DeviceSlots> slots;
    private final ToIntFunction<Throwable> exitCodes;
    private final Clock clock;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** The running install, or null; guarded by this. */
    private Running running;
    /** The last install's outcome, or null before the first; guarded by this. */
    private ObjectNode last;
    /** An install activated a slot since this service started: the device waits for a reboot; guarded by this. */
    private boolean waitingForReboot;

    /**
     * @param slots     opens the device's slots for each install (the config is read once by the caller)
     * @param exitCodes the exit code {@code tandem install} has for a failure (reported in {@code failed} events)
     */
    public InstallService(Supplier<DeviceSlots> slots, ToIntFunction<Throwable> exitCodes, Clock clock) {
        this.slots = slots;
        this.exitCodes = exitCodes;
        this.clock = clock;
    }

    /**
     * Starts an install and returns at once.
     *
     * @param source  what the bundle is, for people ("/media/usb/os.tandem", "upload from 10.0.0.7")
     * @param remote  whether the source is the network (then the installer reuses data already on the device)
     * @param sources opens the source, on the install thread; the service closes it
     * @return completes with the install's last event, {@code done} or {@code failed}, when it ends
     * @throws Busy when an install runs here or anything else holds the data-dir lock
     */
    public synchronized CompletableFuture<ObjectNode> start(String source, boolean remote, InstallOptions options,
                                                            SourceFactory sources) {
        if (running != null) {
            throw new Busy("an install is running (" + running.source + ")", state());
        }
        DeviceSlots device = slots.get();
        // A fast, honest "busy" for the caller while another process installs; the install takes the lock again.
        try (DataDirLock probe = DataDirLock.acquire(device.config().dataDir(), "api install check")) {
            probe.path();
        } catch (BusyException e) {
            throw new Busy(e.getMessage(), state());
        }
        Running r = new Running(source, clock.instant().toString());
        running = r;
        publish(state());
        Installer installer = new Installer(device, InstallSettings.defaults().withReuseLocal(remote));
        Thread t = new Thread(() -> r.run(installer, options, sources), "tandem-api-install");
        t.setDaemon(true);
        t.start();
        return r.outcome;
    }

    /** Asks the running install to stop at its next read; false when none runs. */
    public synchronized boolean cancel() {
        if (running == null) {
            return false;
        }
        running.canceled.set(true);
        return true;
    }

    /**
     * The service's state: {@code {"event":"state","state":"idle|installing|waiting-for-reboot",
     * "install":{...},"last":{...}}} (device-agent/API.md).
     */
    public synchronized ObjectNode state() {
        ObjectNode n = JSON.createObjectNode().put("event", "state");
        n.put("state", running != null ? "installing" : waitingForReboot ? "waiting-for-reboot" : "idle");
        if (running != null) {
            ObjectNode i = n.putObject("install").put("source", running.source).put("started", running.started);
            i.put("phase", running.phase == null ? null : InstallEvents.name(running.phase));
            if (running.progress != null) {
                i.set("progress", InstallEvents.progress(running.progress).without("event"));
            } else {
                i.putNull("progress");
            }
        }
        if (last != null) {
            n.set("last", last.deepCopy());
        } else {
            n.putNull("last");
        }
        return n;
    }

    /**
     * Adds a subscriber; it receives the current {@link #state()} first, then every event.
     *
     * @return removes the subscriber
     */
    public synchronized Runnable subscribe(Subscriber s) {
        s.event(state());
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    private synchronized void publish(ObjectNode event) {
        for (Subscriber s : subscribers) {
            s.event(event);
        }
    }

    private synchronized void update(Running r, InstallPhase phase, InstallProgress progress, ObjectNode event) {
        if (phase != null) {
            r.phase = phase;
        }
        if (progress != null) {
            r.progress = progress;
        }
        publish(event);
    }

    private synchronized void finish(Running r, ObjectNode event, ObjectNode outcome) {
        running = null;
        last = outcome;
        if (outcome.path("activated").asBoolean()) {
            waitingForReboot = true;
        }
        publish(event);
        publish(state());
    }

    /** One install: its thread's body and what it has reported so far. */
    private final class Running implements InstallListener {
        final String source;
        final String started;
        final AtomicBoolean canceled = new AtomicBoolean();
        final CompletableFuture<ObjectNode> outcome = new CompletableFuture<>();
        InstallPhase phase;
        InstallProgress progress;

        Running(String source, String started) {
            this.source = source;
            this.started = started;
        }

        void run(Installer installer, InstallOptions options, SourceFactory sources) {
            ObjectNode event;
            ObjectNode result = JSON.createObjectNode().put("source", source);
            try (BundleSource s = new CancellableSource(sources.open(), canceled)) {
                InstallResult r = installer.install(s, options, this);
                event = InstallEvents.done(r);
                result.put("outcome", r.activated() ? "activated" : "installed").put("version", r.version())
                        .put("bundle-id", r.bundleId()).put("activated", r.activated());
            } catch (Throwable t) {
                boolean byCancel = canceled.get() || t instanceof CanceledException;
                String error = ErrorMessages.oneLine(t);
                int code = exitCodes.applyAsInt(t);
                event = InstallEvents.failed(error, code, byCancel);
                result.put("outcome", byCancel ? "canceled" : "failed").put("error", error).put("exit-code", code);
                if (t instanceof Error e && !(t instanceof StackOverflowError)) {
                    finish(this, event, result.put("at", clock.instant().toString()));
                    outcome.complete(event);
                    throw e;
                }
            }
            finish(this, event, result.put("at", clock.instant().toString()));
            outcome.complete(event);
        }

        @Override
        public void phase(InstallPhase p, String detail) {
            update(this, p, null, InstallEvents.phase(p, detail));
        }

        @Override
        public void progress(InstallProgress p) {
            update(this, null, p, InstallEvents.progress(p));
        }

        @Override
        public void note(String message) {
            publish(InstallEvents.note(message));
        }
    }
}
