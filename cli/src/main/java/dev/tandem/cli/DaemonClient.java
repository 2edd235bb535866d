package dev.tandem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.agent.api.ApiClient;
import dev.tandem.agent.api.InstallEvents;
import dev.tandem.install.InstallPhase;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.policy.InstallOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The CLI's side of the local API (device-agent/API.md): {@code tandem status --json} and {@code tandem install}
 * ask a running daemon instead of competing with it for the data-dir lock.
 */
final class DaemonClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DaemonClient() {
    }

    /** The running daemon, unless {@code --local}; empty when none listens on the socket. */
    static Optional<ApiClient> connect(ApiClientOptions options) throws IOException {
        return options.local ? Optional.empty() : ApiClient.connect(options.socket);
    }

    /** {@code status --json} through the daemon: the same report, with the daemon's state as {@code "agent"}. */
    static void status(ApiClient daemon, PrintWriter out) throws IOException {
        ObjectNode answer = daemon.call(ApiClient.request("status"));
        if (!answer.path("ok").asBoolean() || !answer.path("slots").isObject()) {
            throw new IOException("the daemon: " + answer.path("message").asText(answer.toString()));
        }
        ObjectNode report = (ObjectNode) answer.get("slots");
        report.set("agent", answer.get("agent"));
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        out.flush();
    }

    /**
     * {@code install} through the daemon: subscribes, asks for the install, renders its events as a local install
     * would, and ends with the exit code the daemon reports. Interrupting this process cancels the install.
     */
    static int install(ApiClient daemon, ApiClientOptions options, String bundle, InstallOptions o, long maxRate,
                       GlobalOptions.ProgressMode mode, ProgressRenderer progress, PrintWriter out,
                       PrintWriter err) throws IOException {
        ObjectNode subscribed = daemon.call(ApiClient.request("subscribe"));
        if (!subscribed.path("ok").asBoolean()) {
            throw new IOException("the daemon refused to subscribe: " + subscribed.path("message").asText());
        }
        boolean remote = SourceOpener.isRemote(bundle);
        ObjectNode request = ApiClient.request("install")
                .put(remote ? "url" : "path", remote ? bundle : Path.of(bundle).toAbsolutePath().normalize()
                        .toString())
                .put("force", o.force()).put("reinstall", o.reinstall()).put("allow-downgrade", o.allowDowngrade())
                .put("retry", o.retry()).put("no-activate", o.noActivate());
        if (maxRate > 0) {
            request.put("max-rate", maxRate);
        }
        ObjectNode answer = daemon.call(request);
        if (!answer.path("ok").asBoolean()) {
            String error = answer.path("error").asText();
            if (error.equals("busy")) {
                err.println("tandem: install " + bundle + ": " + answer.path("message").asText()
                        + running(answer.path("agent")));
                err.flush();
                return BusyException.EXIT_CODE;
            }
            err.println("tandem: install " + bundle + ": the daemon refused: " + answer.path("message").asText());
            err.flush();
            return answer.has("exit-code") ? answer.get("exit-code").asInt() : ExitCode.USAGE.code();
        }
        Thread cancel = new Thread(() -> cancel(options), "tandem-install-cancel");
        Runtime.getRuntime().addShutdownHook(cancel);
        try {
            return follow(daemon, bundle, mode, progress, out, err);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cancel);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs already.
            }
        }
    }

    /** Renders this install's events until its {@code done} or {@code failed}. */
    private static int follow(ApiClient daemon, String bundle, GlobalOptions.ProgressMode mode,
                              ProgressRenderer progress, PrintWriter out, PrintWriter err) throws IOException {
        // Events of an install that ended before ours started come first; ours begins with its "installing" state.
        boolean ours = false;
        for (ObjectNode line; (line = daemon.read()) != null; ) {
            ObjectNode e = line;
            String event = e.path("event").asText();
            if (event.equals("state") && e.path("state").asText().equals("installing")) {
                ours = true;
            }
            if (!ours) {
                continue;
            }
            switch (event) {
                case "phase" -> phase(e).ifPresent(p -> progress.phase(p, e.path("detail").asText("")));
                case "progress" -> progress.progress(InstallEvents.progressOf(e));
                case "note" -> progress.note(e.path("message").asText());
                case "done" -> {
                    progress.endBar();
                    done(e, mode, out);
                    return 0;
                }
                case "failed" -> {
                    progress.endBar();
                    err.println("tandem: install " + bundle + ": " + e.path("error").asText());
                    err.flush();
                    return e.path("exit-code").asInt(ExitCode.INTERNAL.code());
                }
                default -> {
                    // state lines, and events a newer daemon may add
                }
            }
        }
        progress.endBar();
        throw new IOException("the daemon closed the connection during the install");
    }

    private static Optional<InstallPhase> phase(ObjectNode e) {
        try {
            return Optional.of(InstallPhase.valueOf(e.path("phase").asText().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException newer) {
            return Optional.empty();
        }
    }

    private static void done(ObjectNode e, GlobalOptions.ProgressMode mode, PrintWriter out) {
        if (mode == GlobalOptions.ProgressMode.JSON) {
            out.println(e);
        } else {
            out.printf(Locale.ROOT, "version %s%s: downloaded %s, reused %s, written %s in %.1f s%n",
                    e.path("version").asText(), e.path("resumed").asBoolean() ? " (resumed)" : "",
                    SizeConverter.human(e.path("downloaded").asLong()), SizeConverter.human(e.path("reused").asLong()),
                    SizeConverter.human(e.path("written").asLong()), e.path("seconds").asDouble());
            out.println(e.path("activated").asBoolean()
                    ? "try-once set: the new slot boots next, once; `tandem boot-check` (or mark-good) keeps it"
                    : "not activated (--no-activate): run `tandem activate` to boot it next");
        }
        out.flush();
    }

    /** " (install of X: stream, 37 %)" from a busy answer's state, or nothing. */
    private static String running(com.fasterxml.jackson.databind.JsonNode agent) {
        com.fasterxml.jackson.databind.JsonNode install = agent.path("install");
        if (install.isMissingNode()) {
            return "";
        }
        String percent = install.path("progress").has("percent")
                ? ", " + install.path("progress").path("percent").asInt() + " %" : "";
        return " (install of " + install.path("source").asText() + ": " + install.path("phase").asText("starting")
                + percent + ")";
    }

    private static void cancel(ApiClientOptions options) {
        try (ApiClient c = ApiClient.connect(options.socket).orElse(null)) {
            if (c != null) {
                c.call(ApiClient.request("cancel"));
            }
        } catch (IOException | RuntimeException e) {
            // Shutting down: the daemon's install goes on, as after any lost client.
        }
    }
}
