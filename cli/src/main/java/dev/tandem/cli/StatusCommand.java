package dev.tandem.cli;

import dev.tandem.agent.api.ApiClient;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.StatusReport;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem status}. */
@Command(name = "status", header = "Show the slots: booted, primary, states, versions.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Mixin
    ApiClientOptions api;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        if (json) {
            // A running daemon answers with its own state too, and to its group's members, who cannot read slots.
            Optional<ApiClient> daemon = DaemonClient.connect(api);
            if (daemon.isPresent()) {
                try (ApiClient d = daemon.get()) {
                    DaemonClient.status(d, spec.commandLine().getOut());
                    return 0;
                }
            }
        }
        DeviceSlots slots = Device.open(Globals.of(spec));
        StatusReport report = slots.status();
        String feed = FeedStatusLine.read(slots.config().dataDir());
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? FeedStatusLine.json(report.toJson(), feed) : FeedStatusLine.text(report.toText(), feed));
        out.flush();
        return 0;
    }
}
