package dev.tandem.agent.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bundle.FileSource;
import dev.tandem.errors.ErrorMessages;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.Slot;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * The local API's requests and answers, version {@value #VERSION} (device-agent/API.md): one JSON object per line
 * each way. Transport-free: {@link ApiServer} frames lines and bounds clients; a {@link Session} is one client.
 */
public final class ApiProtocol {

    /** The protocol version, sent in the hello line and accepted in a request's {@code "v"}. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(4096)
                    .maxNumberLength(32).build())
            .build());
    private static final Set<String> INSTALL_FLAGS = Set.of("force", "reinstall", "allow-downgrade", "retry",
            "no-activate");
    private static final Pattern SLOT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** One client: how the protocol sends it lines, from any thread. */
    public interface Peer {
        /** Queues one line; never blocks (a client too slow to read is dropped by the transport). */
        void send(ObjectNode line);
    }

    private final InstallService service;
    private final Supplier<DeviceSlots> slots;
    private final ToIntFunction<Throwable> exitCodes;
    private final Consumer<String> log;

    /**
     * @param slots     opens the device's slots for a request
     * @param exitCodes the exit code a failed mark would have had as a command
     * @param log       one line per state-changing request, with who asked
     */
    public ApiProtocol(InstallService service, Supplier<DeviceSlots> slots, ToIntFunction<Throwable> exitCodes,
                       Consumer<String> log) {
        this.service = service;
        this.slots = slots;
        this.exitCodes = exitCodes;
        this.log = log;
    }

    /** The line a client gets when it connects. */
    public static ObjectNode hello(String tandemVersion) {
        return JSON.createObjectNode().put("event", "hello").put("protocol", VERSION).put("tandem", tandemVersion);
    }

    /**
     * A client's conversation; {@link #close} when the client goes.
     *
     * @param who  the client, for the log ("user ops (group tandem)")
     * @param root whether the kernel says the client runs as root: only root's URL installs carry the configured
     *             {@code [http]} credentials (headers, client certificate), which a group member could otherwise
     *             send to a server of its choosing
     */
    public Session open(Peer peer, String who, boolean root) {
        return new Session(peer, who, root);
    }

    /** One connected client. */
    public final class Session implements AutoCloseable {
        private final Peer peer;
        private final String who;
        private final boolean root;
        private Runnable unsubscribe;

        private Session(Peer peer, String who, boolean root) {
            this.peer = peer;
            this.who = who;
            this.root = root;
        }

        /** Handles one request line; every answer, error included, is one line to the peer. */
        public void handle(String line) {
            if (line.isBlank()) {
                return;
            }
            JsonNode request;
            try {
                request = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                peer.send(error(null, null, "bad-request", "malformed JSON: " + firstLine(e.getOriginalMessage())));
                return;
            }
            if (request == null || !request.isObject()) {
                peer.send(error(null, null, "bad-request", "a request is one JSON object"));
                return;
            }
            JsonNode id = request.get("id");
            if (id != null && !(id.isTextual() && id.asText().length() <= 64 || id.isIntegralNumber())) {
                peer.send(error(null, null, "bad-request", "id must be a number or a string of at most 64 characters"));
                return;
            }
            JsonNode v = request.get("v");
            if (v != null && !(v.isInt() && v.asInt() == VERSION)) {
                peer.send(error(id, null, "unsupported-version", "this is protocol version " + VERSION));
                return;
            }
            JsonNode op = request.get("op");
            if (op == null || !op.isTextual()) {
                peer.send(error(id, null, "bad-request", "missing \"op\""));
                return;
            }
            try {
                ObjectNode answer = answer(op.asText(), request, id);
                if (answer != null) {
                    peer.send(answer);
                }
            } catch (RuntimeException e) {
                peer.send(error(id, op.asText(), "failed", ErrorMessages.oneLine(e))
                        .put("exit-code", exitCodes.applyAsInt(e)));
            }
        }

        private ObjectNode answer(String op, JsonNode request, JsonNode id) {
            return switch (op) {
                case "status" -> ok(id, op).setAll(status());
                case "install" -> install(request, id);
                case "cancel" -> {
                    boolean canceled = service.cancel();
                    if (canceled) {
                        log.accept("api: cancel asked by " + who);
                    }
                    yield ok(id, op).put("canceled", canceled);
                }
                case "mark-good", "mark-bad", "mark-active" -> mark(op, request, id);
                case "subscribe" -> {
                    if (unsubscribe == null) {
                        // The ok comes before the first state line: the subscription's answer, then its events.
                        peer.send(ok(id, op));
                        unsubscribe = service.subscribe(peer::send);
                        yield null;
                    }
                    yield ok(id, op);
                }
                case "unsubscribe" -> {
                    close();
                    yield ok(id, op);
                }
                default -> error(id, op, "unknown-op", "unknown op '" + printable(op) + "'; the ops are status,"
                        + " install, cancel, mark-good, mark-bad, mark-active, subscribe, unsubscribe");
            };
        }

        private ObjectNode status() {
            ObjectNode n = JSON.createObjectNode();
            try {
                n.set("slots", JSON.readTree(slots.get().status().toJson()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("status JSON: " + e.getOriginalMessage(), e);
            }
            n.set("agent", service.state().without("event"));
            return n;
        }

        private ObjectNode install(JsonNode request, JsonNode id) {
            JsonNode path = request.get("path");
            JsonNode url = request.get("url");
            if ((path == null) == (url == null)) {
                return error(id, "install", "bad-request", "install needs exactly one of \"path\" and \"url\"");
            }
            String source = (path != null ? path : url).asText("");
            if (!(path != null ? path : url).isTextual() || source.isEmpty() || source.length() > 4096
                    || source.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return error(id, "install", "bad-request", "\"path\" or \"url\" must be a non-empty string without"
                        + " control characters");
            }
            InstallOptions options;
            try {
                options = options(request);
            } catch (IllegalArgumentException e) {
                return error(id, "install", "bad-request", e.getMessage());
            }
            InstallService.SourceFactory factory;
            if (path != null) {
                Path p = Path.of(source);
                if (!p.isAbsolute()) {
                    return error(id, "install", "bad-request", "\"path\" must be absolute (the daemon has its own"
                            + " working directory)");
                }
                // A FIFO (or a tty) blocks the open until someone writes, holding the one install slot for
                // good; a directory is no bundle either. Checked here for a clear answer, and again at open.
                if (!java.nio.file.Files.isRegularFile(p)) {
                    return error(id, "install", "bad-request", "\"path\" must name a regular file (a bundle)");
                }
                factory = () -> {
                    if (!java.nio.file.Files.isRegularFile(p)) {
                        throw new java.io.IOException(p + ": not a regular file");
                    }
                    return FileSource.open(p);
                };
            } else {
                URI uri;
                try {
                    uri = new URI(source);
                } catch (URISyntaxException e) {
                    return error(id, "install", "bad-request", "not a valid URL: " + e.getReason());
                }
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    return error(id, "install", "bad-request", "\"url\" must be an http:// or https:// URL");
                }
                JsonNode rate = request.get("max-rate");
                if (rate != null && !(rate.isIntegralNumber() && rate.canConvertToLong() && rate.asLong() > 0)) {
                    return error(id, "install", "bad-request", "\"max-rate\" is a positive number of bytes per second");
                }
                DeviceSlots device = slots.get();
                factory = () -> {
                    HttpOptions http = HttpOptions.of(device.config().http(), System.getenv());
                    http = root ? http : http.withoutCredentials();
                    return HttpSource.open(uri, rate != null ? http.withMaxRate(rate.asLong()) : http);
                };
            }
            try {
                service.start(source, url != null, options, factory);
            } catch (InstallService.Busy e) {
                return error(id, "install", "busy", e.getMessage()).set("agent", e.state().without("event"));
            }
            log.accept("api: install of " + source + " asked by " + who);
            return ok(id, "install").put("source", source);
        }

        private ObjectNode mark(String op, JsonNode request, JsonNode id) {
            JsonNode which = request.get("slot");
            String name = which == null ? "booted" : which.asText("");
            if (which != null && (!which.isTextual() || !SLOT_NAME.matcher(name).matches())) {
                return error(id, op, "bad-request", "\"slot\" is booted, other, a slot name or a bootname");
            }
            DeviceSlots device = slots.get();
            Slot slot = device.select(name);
            try (DataDirLock lock = DataDirLock.acquire(device.config().dataDir(), op)) {
                lock.path();
                switch (op) {
                    case "mark-good" -> device.markGood(slot);
                    case "mark-bad" -> device.markBad(slot, "marked bad through the local API");
                    default -> device.markActive(slot);
                }
            } catch (BusyException e) {
                return error(id, op, "busy", e.getMessage()).set("agent", service.state().without("event"));
            }
            log.accept("api: " + op + " " + slot.name() + " asked by " + who);
            return ok(id, op).put("slot", slot.name()).put("bootname", slot.bootname());
        }

        /** Ends the subscription, if any. */
        @Override
        public void close() {
            if (unsubscribe != null) {
                unsubscribe.run();
                unsubscribe = null;
            }
        }
    }

    private static InstallOptions options(JsonNode request) {
        Iterator<Map.Entry<String, JsonNode>> fields = request.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (INSTALL_FLAGS.contains(f.getKey()) && !f.getValue().isBoolean()) {
                throw new IllegalArgumentException("\"" + f.getKey() + "\" must be true or false");
            }
        }
        return new InstallOptions(request.path("force").asBoolean(), request.path("reinstall").asBoolean(),
                request.path("allow-downgrade").asBoolean(), request.path("retry").asBoolean(),
                request.path("no-activate").asBoolean());
    }

    static ObjectNode ok(JsonNode id, String op) {
        ObjectNode n = JSON.createObjectNode();
        if (id != null) {
            n.set("id", id);
        }
        return n.put("op", op).put("ok", true);
    }

    /** An error line: {@code {"op":..,"ok":false,"error":"bad-request","message":"..."}}. */
    public static ObjectNode error(JsonNode id, String op, String error, String message) {
        ObjectNode n = JSON.createObjectNode();
        if (id != null) {
            n.set("id", id);
        }
        if (op != null) {
            n.put("op", printable(op));
        }
        return n.put("ok", false).put("error", error).put("message", message);
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "unreadable";
        }
        int nl = m.indexOf('\n');
        return printable(nl < 0 ? m : m.substring(0, nl));
    }
}
