package dev.tandem.cli;

import dev.tandem.agent.DownloadPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem agent pause} and {@code tandem agent resume}: one command that sets or lifts the pause flag
 * (README.md "Download policy"), a durable file in the data-dir, so that it holds across agent restarts and
 * reboots. The two subcommands differ only in which way they turn it and what they say.
 */
abstract class AgentDownloadsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Changes the flag in {@code dataDir}; returns the line to print. */
    abstract String change(Path dataDir) throws IOException;

    @Override
    public Integer call() throws IOException {
        String line = change(Device.config(Globals.of(spec)).dataDir());
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
        return 0;
    }

    /** No download starts, and a running one stops at the agent's next look. */
    @Command(name = "pause", header = "Pause downloads (kept across reboots) until `tandem agent resume`.")
    static final class Pause extends AgentDownloadsCommand {
        @Override
        String change(Path dataDir) throws IOException {
            return DownloadPolicy.pause(dataDir, Instant.now())
                    ? "agent: downloads paused; a running download stops and resumes where it stopped after"
                    + " `tandem agent resume`"
                    : "agent: downloads were paused already";
        }
    }

    /** Lifts the pause; an interrupted download goes on where it stopped. */
    @Command(name = "resume", header = "Resume downloads paused by `tandem agent pause`.")
    static final class Resume extends AgentDownloadsCommand {
        @Override
        String change(Path dataDir) throws IOException {
            return DownloadPolicy.resume(dataDir) ? "agent: downloads resumed (windows and metered links still apply)"
                    : "agent: downloads were not paused";
        }
    }
}
