package dev.tandem.cli;

import dev.tandem.agent.api.ApiServer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where {@code tandem daemon} and {@code tandem agent --api} listen, and who may connect (device-agent/API.md). */
final class ApiServeOptions {

    @Option(names = "--api-socket", paramLabel = "PATH",
            description = "The local API's Unix socket (default: /run/tandem/api.sock).")
    Path socket = ApiServer.DEFAULT_SOCKET;

    @Option(names = "--api-group", paramLabel = "GROUP",
            description = "The group that may use the local API besides root (default: root only). Its members"
                    + " can install any bundle file root can read and mark slots.")
    String group;
}
