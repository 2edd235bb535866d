package dev.tandem.cli;

import dev.tandem.agent.Rebooter;
import dev.tandem.slot.config.SystemConfig;
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
        PrintWriter out = spec.commandLine().getOut();
        WebServer server = startIfEnabled(config, g, Rebooter.command(config.rebootCommand()), line -> {
            out.println(line + " (Ctrl-C to stop)");
            out.flush();
        });
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "web-shutdown"));
        stop.await();
        return 0;
    }

    /** Starts the page when {@code [web]} is enabled (else null), and says where it listens. */
    static WebServer startIfEnabled(SystemConfig config, GlobalOptions g, Rebooter rebooter,
                                    java.util.function.Consumer<String> say) throws java.io.IOException {
        if (!config.web().enabled()) {
            return null;
        }
        WebOptions options;
        try {
            options = WebOptions.of(config.web());
        } catch (java.io.IOException e) {
            throw new UsageException("[web]: " + e.getMessage());
        }
        WebServer server = new WebServer(options, new LocalInstallService(() -> Device.open(g), rebooter));
        int port = server.start();
        say.accept("serving the install page on https://" + options.host() + ":" + port + "/");
        return server;
    }
}
