package dev.tandem.cli;

import dev.tandem.agent.DownloadPolicy;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem agent pause}: no download starts, and a running one stops at the agent's next look (README.md
 * "Download policy"). The flag is a durable file in the data-dir, so it holds across agent restarts and reboots.
 */
@Command(name = "pause", header = "Pause downloads (kept across reboots) until `tandem agent resume`.")
final class AgentPauseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        SystemConfig cfg = Device.config(Globals.of(spec));
        boolean now = DownloadPolicy.pause(cfg.dataDir(), Instant.now());
        PrintWriter out = spec.commandLine().getOut();
        out.println(now ? "agent: downloads paused; a running download stops and resumes where it stopped after"
                + " `tandem agent resume`" : "agent: downloads were paused already");
        out.flush();
        return 0;
    }
}
