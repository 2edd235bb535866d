package dev.tandem.cli;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.feed.FeedAgent;
import dev.tandem.agent.DownloadPolicy;
import dev.tandem.agent.feed.DownloadGate;
import dev.tandem.agent.managed.ManagedAgent;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.standalone.StandaloneAgent;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem agent}: the update agent, until stopped (SIGTERM). Managed mode talks DDI to a hawkBit server;
 * standalone mode installs bundles from removable media. Progress and outcomes are plain lines on stdout.
 */
@Command(name = "agent", header = "Run the update agent: hawkBit (DDI) managed mode, a signed feed from any web server,"
        + " or standalone from removable media.", subcommands = {AgentDownloadsCommand.Pause.class,
        AgentDownloadsCommand.Resume.class, HelpCommand.class})
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--managed", description = "Poll the hawkBit server of [agent] server (the default when it is"
            + " set).")
    boolean managed;

    @Option(names = "--standalone", description = "Install bundles found on removable media and in [agent]"
            + " standalone-dirs (the default without a server).")
    boolean standalone;

    @Option(names = "--api", description = "Also serve the local API on a Unix socket (device-agent/API.md).")
    boolean serveApi;

    @Mixin
    ApiServeOptions api;

    @Option(names = "--feed", description = "Follow the signed feed of [agent] feed (the default when it is set"
            + " and server is not).")
    boolean feed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((managed ? 1 : 0) + (standalone ? 1 : 0) + (feed ? 1 : 0) > 1) {
            throw new UsageException("--managed, --standalone and --feed exclude each other");
        }
        DeviceSlots slots = Device.open(Globals.of(spec));
        SystemConfig cfg = slots.config();
        boolean managedMode = managed || (!standalone && !feed && cfg.agent().server() != null);
        boolean feedMode = feed || (!standalone && !managedMode && cfg.agent().feed() != null);
        PrintWriter out = spec.commandLine().getOut();
        AgentListener lines = new AgentListener() {
            @Override
            public void line(String text) {
                synchronized (out) {
                    out.println(text);
                    out.flush();
                }
            }
        };
        Rebooter rebooter = Rebooter.command(cfg.rebootCommand());
        LocalApi localApi = serveApi ? startApi(cfg, lines) : null;
        // [web] enabled: the install page runs beside the agent; the data-dir lock keeps their installs apart.
        dev.tandem.web.WebServer web = WebCommand.startIfEnabled(cfg, Globals.of(spec), rebooter, lines::line);
        try {
            if (feedMode) {
                AgentSettings settings = AgentSettings.defaults();
                FeedAgent agent = FeedAgent.create(slots, settings, rebooter, lines, System.getenv(),
                        DownloadGate.of(DownloadPolicy.of(cfg, settings.clock(), settings.statusInterval())));
                Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "tandem-agent-stop"));
                agent.start();
                agent.awaitStopped();
            } else if (managedMode) {
                ManagedAgent agent = ManagedAgent.create(slots, AgentSettings.defaults(), rebooter, lines,
                        System.getenv());
                Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "tandem-agent-stop"));
                agent.start();
                agent.awaitStopped();
            } else {
                StandaloneAgent agent = StandaloneAgent.create(slots, AgentSettings.defaults(), rebooter, lines);
                Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "tandem-agent-stop"));
                agent.start();
                agent.awaitStopped();
            }
        } catch (RuntimeException e) {
            throw new CommandContext("agent", e);
        } finally {
            if (localApi != null) {
                localApi.close();
            }
            if (web != null) {
                web.close();
            }
        }
        return 0;
    }

    private LocalApi startApi(SystemConfig cfg, AgentListener lines) {
        try {
            LocalApi local = LocalApi.start(cfg, Globals.of(spec).booted, api, lines::line);
            // On SIGTERM the JVM ends once its hooks have run, perhaps before this thread's finally: remove the
            // socket in a hook too.
            Runtime.getRuntime().addShutdownHook(new Thread(local::close, "tandem-api-stop"));
            return local;
        } catch (java.io.IOException e) {
            throw new CommandContext("agent: local API on " + api.socket, e);
        }
    }
}
