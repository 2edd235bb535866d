package dev.tandem.cli;

import dev.tandem.agent.api.ApiServer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How {@code tandem status --json} and {@code tandem install} find a running daemon, or are told not to. */
final class ApiClientOptions {

    @Option(names = "--api-socket", paramLabel = "PATH",
            description = "Talk to the daemon on this socket when it runs (default: /run/tandem/api.sock).")
    Path socket = ApiServer.DEFAULT_SOCKET;

    @Option(names = "--local", description = "Work in this process even when a daemon runs (it may then be busy).")
    boolean local;
}
