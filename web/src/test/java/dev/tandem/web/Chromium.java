package dev.tandem.web;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol from Java: the browser is Debian's
 * {@code chromium}, its WebSocket is spoken with Netty (already a dependency), the messages with Jackson. Just
 * what the page's tests need: open a URL, run a script, put a file into a file input, take a screenshot.
 * Without chromium the calling test is skipped with the reason (LoudSkips reports it).
 */
public final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final EventLoopGroup group;
    private final Channel ws;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private String session;

    /** The browser binary: Debian's {@code chromium}, or {@code $TANDEM_CHROMIUM}. */
    public static Path binary() {
        String env = System.getenv("TANDEM_CHROMIUM");
        if (env != null) {
            return Path.of(env);
        }
        for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** Starts a headless browser with a fresh profile under {@code dir}; skips the test without chromium. */
    public static Chromium launch(Path dir) throws Exception {
        Path bin = binary();
        assumeTrue(bin != null, "chromium is not installed (apt-get install chromium; .ci/setup.d/70-web.sh)");
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Process p = new ProcessBuilder(bin.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--ignore-certificate-errors", "--window-size=1000,760", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> wsUrl = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (log) {
                        if (log.length() < 16_000) {
                            log.append(line).append('\n');
                        }
                    }
                    int at = line.indexOf("ws://");
                    if (line.startsWith("DevTools listening on") && at >= 0) {
                        wsUrl.complete(line.substring(at).trim());
                    }
                }
            } catch (IOException e) {
                // the browser went away
            }
            wsUrl.completeExceptionally(new IOException("chromium exited before DevTools listened:\n" + log));
        }, "chromium-output");
        reader.setDaemon(true);
        reader.start();
        String url;
        try {
            url = wsUrl.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
        Chromium c = null;
        try {
            c = new Chromium(p, URI.create(url));
            JsonNode target = c.browserCall("Target.createTarget", JSON.createObjectNode().put("url", "about:blank"));
            JsonNode attached = c.browserCall("Target.attachToTarget", JSON.createObjectNode()
                    .put("targetId", target.get("targetId").asText()).put("flatten", true));
            c.session = attached.get("sessionId").asText();
            return c;
        } catch (Exception e) {
            if (c != null) {
                c.close();
            } else {
                p.destroyForcibly();
            }
            throw e;
        }
    }

    private Chromium(Process process, URI url) throws Exception {
        this.process = process;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(url, WebSocketVersion.V13,
                null, false, new DefaultHttpHeaders(), 64 << 20);
        CompletableFuture<Void> handshaken = new CompletableFuture<>();
        this.ws = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        if (!hs.isHandshakeComplete() && msg instanceof FullHttpResponse r) {
                                            hs.finishHandshake(ctx.channel(), r);
                                            ctx.pipeline().addBefore(ctx.name(), "aggregate",
                                                    new WebSocketFrameAggregator(64 << 20));
                                            handshaken.complete(null);
                                        } else if (msg instanceof TextWebSocketFrame f) {
                                            received(f.text());
                                        } else if (msg instanceof WebSocketFrame) {
                                            // ping, pong, close: nothing to do
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        handshaken.completeExceptionally(cause);
                                        pending.values().forEach(f -> f.completeExceptionally(cause));
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(url.getHost(), url.getPort()).sync().channel();
        hs.handshake(ws).sync();
        handshaken.get(30, TimeUnit.SECONDS);
    }

    private void received(String text) {
        try {
            JsonNode m = JSON.readTree(text);
            JsonNode id = m.get("id");
            if (id == null) {
                return; // an event
            }
            CompletableFuture<JsonNode> f = pending.remove(id.asInt());
            if (f == null) {
                return;
            }
            if (m.has("error")) {
                f.completeExceptionally(new IOException("DevTools: " + m.get("error")));
            } else {
                f.complete(m.get("result"));
            }
        } catch (IOException e) {
            // a message we cannot read is ignored; its caller times out with the reason
        }
    }

    private JsonNode browserCall(String method, ObjectNode params) throws Exception {
        return call(null, method, params);
    }

    /** Calls a DevTools method on the page and returns its result. */
    public JsonNode call(String method, ObjectNode params) throws Exception {
        return call(session, method, params);
    }

    private JsonNode call(String sessionId, String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
        m.set("params", params);
        if (sessionId != null) {
            m.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.writeAndFlush(new TextWebSocketFrame(m.toString())).sync();
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Opens {@code url} and waits until the document is loaded. */
    public void open(String url) throws Exception {
        call("Page.navigate", JSON.createObjectNode().put("url", url));
        waitUntil("document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(url),
                v -> v.asBoolean(), Duration.ofSeconds(30));
    }

    /** The value of a JavaScript expression (promises awaited). */
    public JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IOException("script failed: " + r.get("exceptionDetails"));
        }
        JsonNode v = r.get("result").get("value");
        return v == null ? JSON.nullNode() : v;
    }

    /** Polls an expression until {@code done} accepts its value; fails after {@code timeout}. */
    public JsonNode waitUntil(String expression, Predicate<JsonNode> done, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode v = null;
        while (System.nanoTime() < end) {
            v = eval(expression);
            if (done.test(v)) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("in the browser, " + expression + " was still " + v + " after " + timeout);
    }

    /** Puts {@code file} into the file input that {@code selector} finds, as a user picking it would. */
    public void setFile(String selector, Path file) throws Exception {
        int root = call("DOM.getDocument", JSON.createObjectNode()).get("root").get("nodeId").asInt();
        int node = call("DOM.querySelector", JSON.createObjectNode().put("nodeId", root).put("selector", selector))
                .get("nodeId").asInt();
        ObjectNode p = JSON.createObjectNode().put("nodeId", node);
        p.putArray("files").add(file.toAbsolutePath().toString());
        call("DOM.setFileInputFiles", p);
    }

    /** A PNG of the page as shown, written to {@code out}. */
    public Path screenshot(Path out) throws Exception {
        JsonNode r = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, Base64.getDecoder().decode(r.get("data").asText()));
        return out;
    }

    @Override
    public void close() {
        try {
            ws.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            // Chromium's renderer, GPU and utility processes write into the profile too: end the whole tree and
            // wait for every process of it, or the test's temporary directory is deleted while they still write.
            List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            tree.forEach(ProcessHandle::destroy);
            for (ProcessHandle h : tree) {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    h.destroyForcibly();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    h.destroyForcibly();
                    h.onExit().join();
                }
            }
        }
    }
}
