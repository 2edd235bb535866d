package dev.tandem.agent.managed;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.HawkbitServer;
import dev.tandem.agent.TestDevice;
import dev.tandem.slot.bootcheck.BootCheckResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link TestDevice} managed by a hawkBit server: the agent runs in this JVM with fast timing, and a reboot
 * request is only counted; the test then stops the agent, plays the reboot and boot-check, and starts a new
 * agent, as systemd would after a real reboot.
 */
final class ManagedDevice implements AutoCloseable {

    final TestDevice device;
    final String controllerId;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger rebootRequests = new AtomicInteger();
    private ManagedAgent agent;

    private ManagedDevice(TestDevice device, String controllerId) {
        this.device = device;
        this.controllerId = controllerId;
    }

    /**
     * A device with {@code [agent]} pointing at {@code server}, target-token auth with {@code token}, and
     * {@code extraToml} appended.
     */
    static ManagedDevice create(Path dir, HawkbitServer server, String controllerId, String auth, String token,
                                String extraToml) throws IOException {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        TestDevice d = TestDevice.create(dir, """
                [agent]
                server = "%s"
                controller-id = "%s"
                auth = "%s"
                token-file = "token"
                """.formatted(server.base(), controllerId, auth) + extraToml);
        return new ManagedDevice(d, controllerId);
    }

    /** Starts an agent, as after a boot. */
    void start() {
        agent = ManagedAgent.create(device.slots(), AgentSettings.defaults().withFastTiming(Duration.ofMillis(500)),
                rebootRequests::incrementAndGet, new AgentListener() {
                    @Override
                    public void line(String text) {
                        lines.add(text);
                    }
                }, System.getenv());
        agent.start();
    }

    /** Stops the agent (SIGTERM). */
    void stop() {
        if (agent != null) {
            agent.stop();
            agent = null;
        }
    }

    AgentState state() {
        return agent.state();
    }

    /**
     * Stops the agent, powers on, runs boot-check, and powers on again as long as boot-check asks for a reboot
     * (a failed trial). Returns the slot that finally runs.
     */
    String rebootAndCheck() {
        stop();
        String booted = device.reboot();
        BootCheckResult r = device.bootCheck();
        while (r.rebooting()) {
            booted = device.reboot();
            r = device.bootCheck();
        }
        return booted;
    }

    /** Waits until the agent asked for {@code n} reboots. */
    void awaitRebootRequests(int n, Duration timeout) throws Exception {
        await(timeout, () -> rebootRequests.get() >= n, "reboot request " + n);
    }

    /** Waits until a line containing {@code text} was printed. */
    void awaitLine(String text, Duration timeout) throws Exception {
        await(timeout, () -> hasLine(text), "a line with '" + text + "'");
    }

    boolean hasLine(String text) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    /** Polls {@code condition} every 200 ms. */
    void await(Duration timeout, Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                + "; agent said:\n  " + String.join("\n  ", new ArrayList<>(lines)));
    }

    @Override
    public void close() {
        stop();
    }
}
