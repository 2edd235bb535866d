package dev.tandem.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * A client of the local API (device-agent/API.md), blocking: what {@code tandem status --json} and
 * {@code tandem install} use to talk to a running daemon. The daemon's lines are bounded here too
 * ({@link #MAX_LINE}), although the daemon is trusted more than its clients.
 */
public final class ApiClient implements AutoCloseable {

    /** The longest line read from the daemon (a status with many slots is a few KiB). */
    public static final int MAX_LINE = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final InputStream in;
    private final ObjectNode hello;
    /** Events read while {@link #call} waited for its answer, for {@link #read} to return first. */
    private final ArrayDeque<ObjectNode> events = new ArrayDeque<>();

    private ApiClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        ObjectNode first = readLine();
        if (first == null || !"hello".equals(first.path("event").asText())) {
            channel.close();
            throw new IOException("the daemon did not say hello" + (first == null ? "" : ": " + first));
        }
        if (first.path("protocol").asInt() != ApiProtocol.VERSION) {
            channel.close();
            throw new IOException("the daemon speaks protocol " + first.path("protocol") + ", this tandem "
                    + ApiProtocol.VERSION);
        }
        this.hello = first;
    }

    /**
     * Connects when a daemon listens on {@code socket}; empty when there is no socket or nobody answers on it (a
     * daemon that died) or this user may not connect (not root nor in the daemon's group), so that the caller
     * works locally.
     *
     * @throws IOException when a daemon is there but cannot be used (a wrong protocol)
     */
    public static Optional<ApiClient> connect(Path socket) throws IOException {
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            ch.close();
            return Optional.empty(); // a socket file nobody listens on: the daemon is not running
        } catch (IOException e) {
            ch.close();
            if (e.getMessage() != null && e.getMessage().contains("ermission denied")) {
                // Not root nor in the daemon's group: work locally, as without a daemon (status reads files).
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(new ApiClient(ch));
    }

    /** The daemon's first line: {@code {"event":"hello","protocol":1,"tandem":"0.1.0"}}. */
    public ObjectNode hello() {
        return hello;
    }

    /** Sends one request. */
    public void send(ObjectNode request) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((request.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /**
     * Sends a request and returns its answer, the next line that is not an event; events that come first are kept,
     * in order, for {@link #read}.
     */
    public ObjectNode call(ObjectNode request) throws IOException {
        send(request);
        for (ObjectNode n; (n = readLine()) != null; ) {
            if (!n.has("event")) {
                return n;
            }
            if (events.size() >= 10_000) {
                throw new IOException("more than 10000 events came before the answer");
            }
            events.add(n);
        }
        throw new IOException("the daemon closed the connection");
    }

    /** The next line (an event kept by {@link #call} first), or null when the daemon closed the connection. */
    public ObjectNode read() throws IOException {
        return events.isEmpty() ? readLine() : events.poll();
    }

    private ObjectNode readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                return null;
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a line from the daemon is longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        try {
            JsonNode n = JSON.readTree(line.toByteArray());
            if (n == null || !n.isObject()) {
                throw new IOException("the daemon sent a line that is not a JSON object");
            }
            return (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new IOException("the daemon sent malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A request object: {@code {"v":1,"op":op}}. */
    public static ObjectNode request(String op) {
        return JSON.createObjectNode().put("v", ApiProtocol.VERSION).put("op", op);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
