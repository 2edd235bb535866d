package dev.tandem.cli;

import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem daemon}: the local API alone (device-agent/API.md), until stopped (SIGTERM), for devices that run
 * no update agent; {@code tandem agent --api} serves the same API inside the agent.
 */
@Command(name = "daemon", header = "Serve the local API on a Unix socket: status, installs with live progress,"
        + " cancel, marks.")
final class DaemonCommand implements Callable<Integer> {

    @Mixin
    ApiServeOptions api;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GlobalOptions g = Globals.of(spec);
        SystemConfig cfg = Device.open(g).config();
        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> lines = text -> {
            synchronized (out) {
                out.println(text);
                out.flush();
            }
        };
        CountDownLatch stopped = new CountDownLatch(1);
        try (LocalApi local = LocalApi.start(cfg, g.booted, api, lines)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                local.close();
                stopped.countDown();
            }, "tandem-daemon-stop"));
            stopped.await();
        } catch (java.io.IOException e) {
            throw new CommandContext("daemon: " + api.socket, e);
        }
        return 0;
    }
}
