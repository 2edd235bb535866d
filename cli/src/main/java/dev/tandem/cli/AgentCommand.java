package dev.tandem.cli;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.ManagedAgent;
import dev.tandem.agent.Rebooter;
import dev.tandem.agent.StandaloneAgent;
import dev.tandem.slot.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem agent}: the update agent, until stopped (SIGTERM). Managed mode talks DDI to a hawkBit server;
 * standalone mode installs bundles from removable media. Progress and outcomes are plain lines on stdout.
 */
@Command(name = "agent", header = "Run the update agent: hawkBit (DDI) managed mode, or standalone from removable"
        + " media.")
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--managed", description = "Poll the hawkBit server of [agent] server (the default when it is"
            + " set).")
    boolean managed;

    @Option(names = "--standalone", description = "Install bundles found on removable media and in [agent]"
            + " standalone-dirs (the default without a server).")
    boolean standalone;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (managed && standalone) {
            throw new UsageException("--managed and --standalone exclude each other");
        }
        DeviceSlots slots = Device.open(Globals.of(spec));
        SystemConfig cfg = slots.config();
        boolean managedMode = managed || (!standalone && cfg.agent().server() != null);
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
        try {
            if (managedMode) {
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
        }
        return 0;
    }
}
