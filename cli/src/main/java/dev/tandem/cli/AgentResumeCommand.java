package dev.tandem.cli;

import dev.tandem.agent.DownloadPolicy;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem agent resume}: lifts {@code tandem agent pause}; an interrupted download goes on where it stopped. */
@Command(name = "resume", header = "Resume downloads paused by `tandem agent pause`.")
final class AgentResumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        SystemConfig cfg = Device.config(Globals.of(spec));
        boolean was = DownloadPolicy.resume(cfg.dataDir());
        PrintWriter out = spec.commandLine().getOut();
        out.println(was ? "agent: downloads resumed (windows and metered links still apply)"
                : "agent: downloads were not paused");
        out.flush();
        return 0;
    }
}
