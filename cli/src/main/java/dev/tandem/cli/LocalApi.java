package dev.tandem.cli;

import dev.tandem.agent.api.ApiProtocol;
import dev.tandem.agent.api.ApiServer;
import dev.tandem.agent.api.InstallService;
import dev.tandem.install.Installer;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Wires the local API for {@code tandem daemon} and {@code tandem agent --api}: one {@link InstallService} (which
 * another front end, like a web page, can share) served on the socket.
 *
 * @param service the install service: one install at a time, progress events, cancel, last result
 * @param server  the socket server
 */
record LocalApi(InstallService service, ApiServer server) implements AutoCloseable {

    static LocalApi start(SystemConfig config, String booted, ApiServeOptions options, Consumer<String> lines)
            throws IOException {
        Supplier<DeviceSlots> slots = () -> DeviceSlots.open(config, booted);
        InstallService service = new InstallService(slots, t -> ErrorHandler.exitCode(t).code(),
                Clock.systemUTC());
        ApiProtocol protocol = new ApiProtocol(service, slots, t -> ErrorHandler.exitCode(t).code(), lines);
        ApiServer server = ApiServer.start(options.socket, options.group, protocol, Installer.VERSION,
                ApiServer.Limits.defaults(), lines);
        lines.accept("api: listening on " + options.socket + " (root" + (options.group != null ? " and group "
                + options.group : " only") + ")");
        return new LocalApi(service, server);
    }

    @Override
    public void close() {
        server.close();
    }
}
