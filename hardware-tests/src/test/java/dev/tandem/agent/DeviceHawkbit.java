package dev.tandem.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * device-agent's real hawkBit server ({@link HawkbitServer}) and Management API client ({@link HawkbitManagement})
 * for the device scenarios in hardware-tests, which live in another package: this class only forwards, so both
 * modules' hawkBit tests drive the same server the same way.
 */
public final class DeviceHawkbit implements AutoCloseable {

    /** Why a scenario is skipped when the server jar is not built. */
    public static final String MISSING = HawkbitServer.MISSING;

    private final HawkbitServer server;
    private final HawkbitManagement management;

    private DeviceHawkbit(HawkbitServer server) {
        this.server = server;
        this.management = new HawkbitManagement(server.base());
    }

    public static boolean available() {
        return HawkbitServer.jar().isPresent();
    }

    /** Starts a server whose database and artifacts live in {@code dir}; waits until it answers. */
    public static DeviceHawkbit start(Path dir) throws IOException {
        HawkbitServer s = new HawkbitServer(HawkbitServer.jar().orElseThrow(), dir);
        s.start();
        return new DeviceHawkbit(s);
    }

    public int port() {
        return server.base().getPort();
    }

    public URI base() {
        return server.base();
    }

    public List<Double> startSeconds() {
        return server.startSeconds;
    }

    /** Target-token auth on, the device polls every {@code pollingTime} (hh:mm:ss). */
    public void configure(String pollingTime) throws IOException {
        management.configureTenant("unused-gateway-token-" + System.nanoTime());
        management.config("pollingTime", pollingTime);
    }

    public void createTarget(String controllerId, String token) throws IOException {
        management.createTarget(controllerId, token);
    }

    public long distributionSet(String name, String version, List<Path> files) throws IOException {
        return management.distributionSet(name, version, files);
    }

    public long assign(long dsId, String controllerId) throws IOException {
        return management.assign(dsId, controllerId, "forced", null);
    }

    public void cancel(String controllerId, long actionId) throws IOException {
        management.cancel(controllerId, actionId);
    }

    public JsonNode action(String controllerId, long actionId) throws IOException {
        return management.action(controllerId, actionId);
    }

    public List<JsonNode> statuses(String controllerId, long actionId) throws IOException {
        return management.statuses(controllerId, actionId);
    }

    public JsonNode target(String controllerId) throws IOException {
        return management.target(controllerId);
    }

    public JsonNode attributes(String controllerId) throws IOException {
        return management.attributes(controllerId);
    }

    public JsonNode get(String path) throws IOException {
        return management.get(path);
    }

    public Optional<Long> installedDs(String controllerId) throws IOException {
        long id = management.installedDs(controllerId);
        return id < 0 ? Optional.empty() : Optional.of(id);
    }

    @Override
    public void close() {
        server.close();
    }
}
