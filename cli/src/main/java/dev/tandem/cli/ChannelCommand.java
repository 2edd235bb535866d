package dev.tandem.cli;

import dev.tandem.agent.feed.FeedAgent;
import dev.tandem.agent.feed.ChannelChoice;
import dev.tandem.storage.DurableFile;
import dev.tandem.slot.config.AgentConfig;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.config.FeedKeys;
import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem channel}: which feed channel the agent follows (feed mode). */
@Command(name = "channel", header = "Show or switch the feed channel the agent follows (feed mode).",
        subcommands = {ChannelCommand.Set.class, HelpCommand.class})
final class ChannelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SystemConfig cfg = Device.config(Globals.of(spec));
        AgentConfig a = feedMode(cfg);
        ChannelChoice c = load(cfg, a);
        PrintWriter out = spec.commandLine().getOut();
        out.println("channel " + c.channel() + " (" + FeedKeys.urlFor(a.feed(), a.channel(), c.channel()) + ")"
                + (c.mayDowngrade() ? "; switched: the next update may be a lower version" : ""));
        out.flush();
        return 0;
    }

    /** {@code tandem channel set NAME}. */
    @Command(name = "set", header = "Follow another channel; its bundle is installed even if it is a lower version"
            + " (never below the anti-rollback floor).")
    static final class Set implements Callable<Integer> {

        @Parameters(paramLabel = "NAME", description = "The channel (the feed URL with the configured channel's"
                + " directory replaced by NAME).")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            SystemConfig cfg = Device.config(Globals.of(spec));
            AgentConfig a = feedMode(cfg);
            URI url;
            try {
                url = FeedKeys.urlFor(a.feed(), a.channel(), name);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            ChannelChoice now = load(cfg, a);
            ChannelChoice next = new ChannelChoice(name, !name.equals(now.channel()) || now.mayDowngrade());
            Path dir = cfg.dataDir().resolve("agent");
            Files.createDirectories(dir);
            next.store(DurableFile.at(dir.resolve(FeedAgent.CHANNEL)));
            PrintWriter out = spec.commandLine().getOut();
            out.println(name.equals(now.channel()) ? "channel " + name + " (unchanged)"
                    : "channel " + name + " (was " + now.channel() + "): the agent reads " + url
                    + " from its next look; the next update may be a lower version, never below the anti-rollback"
                    + " floor");
            out.flush();
            return 0;
        }
    }

    private static AgentConfig feedMode(SystemConfig cfg) {
        AgentConfig a = cfg.agent();
        if (a == null || a.feed() == null) {
            throw new ConfigException(cfg.file() + ": [agent]: feed is not set; channels are for feed mode");
        }
        return a;
    }

    private static ChannelChoice load(SystemConfig cfg, AgentConfig a) {
        try {
            return ChannelChoice.load(DurableFile.at(cfg.dataDir().resolve("agent").resolve(FeedAgent.CHANNEL)),
                    a.channel());
        } catch (java.io.IOException e) {
            throw new ConfigException("channel: " + e.getMessage());
        }
    }
}
