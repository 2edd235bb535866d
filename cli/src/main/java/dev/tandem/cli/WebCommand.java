package dev.tandem.cli;

import dev.tandem.agent.Rebooter;
import dev.tandem.slot.SystemConfig;
import dev.tandem.web.LocalInstallService;
import dev.tandem.web.WebOptions;
import dev.tandem.web.WebServer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem web}: serves the web install page of {@code [web]} in the foreground until stopped
 * (SECURITY.md "Web install page").
 */
@Command(name = "web", header = "Serve the web install page ([web] in system.toml) until stopped.")
final class WebCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GlobalOptions g = Globals.of(spec);
        SystemConfig config = Device.config(g);
        if (!config.web().enabled()) {
            throw new UsageException("the web page is off: set enabled = true in [web] of " + config.file());
        }
        WebOptions options;
        try {
            options = WebOptions.of(config.web());
        } catch (java.io.IOException e) {
            throw new UsageException("[web]: " + e.getMessage());
        }
        LocalInstallService service = new LocalInstallService(() -> Device.open(g),
                Rebooter.command(config.rebootCommand()));
        WebServer server = new WebServer(options, service);
        int port = server.start();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("serving the install page on https://%s:%d/ (Ctrl-C to stop)%n", options.host(), port);
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "web-shutdown"));
        stop.await();
        return 0;
    }
}
