package dev.tandem.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.install.InstallResult;
import dev.tandem.slot.BusyException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the web page: routes requests, authenticates every API request, and for
 * {@code POST /api/install} hands the body to the installer as it arrives (SECURITY.md "Web install page").
 *
 * <p>Routes: {@code GET /} (and {@code /app.js}, {@code /app.css}): the page's fixed files, the only thing
 * served without credentials; {@code GET /api/status}, {@code GET /api/progress}; {@code POST /api/install},
 * {@code /api/cancel}, {@code /api/reboot}. Everything else is 404.
 */
final class WebHandler extends ChannelInboundHandlerAdapter {

    static final String TOKEN_HEADER = "X-Tandem-Token";
    /** A header a cross-site form or a simple request cannot send: every POST needs it. */
    static final String REQUEST_HEADER = "X-Tandem-Request";
    /** A request other than an install may carry at most this much body (it is read and dropped). */
    static final long MAX_SMALL_BODY = 64 * 1024;
    /** A refused request's body is read and dropped up to this much, so the client reads the refusal. */
    static final long MAX_DISCARD = 64L << 20;

    private final WebServer server;
    private final long idleMillis;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> headerDeadline;

    /** The upload this connection feeds, while its body arrives. */
    private UploadStream upload;
    private long uploadLimit;
    /** Body bytes of the current request still to be dropped (a refused or already answered request). */
    private boolean discarding;
    private long discarded;
    private long discardLimit = MAX_SMALL_BODY;
    private boolean closeAfterBody;
    private boolean bodyDone;

    WebHandler(WebServer server, long idleMillis) {
        this.server = server;
        this.idleMillis = idleMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        armHeaderDeadline();
        ctx.read();
    }

    /** Slow-loris: the next request's headers must be complete within the idle timeout, however they trickle. */
    private void armHeaderDeadline() {
        cancelHeaderDeadline();
        headerDeadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, idleMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelHeaderDeadline() {
        if (headerDeadline != null) {
            headerDeadline.cancel(false);
            headerDeadline = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            cancelHeaderDeadline();
            try {
                request(req);
            } catch (RuntimeException e) {
                answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error("internal error: " + e.getMessage()), true);
                discarding = true;
            }
        }
        if (msg instanceof HttpContent content) {
            body(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upload == null || !upload.paused()) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelHeaderDeadline();
        if (upload != null) {
            upload.fail("the upload was cut off after " + upload.received() + " bytes (the connection closed)");
            upload = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (upload != null && upload.paused()) {
                return; // the server, not the client, is waiting: the installer is busy with what it has
            }
            if (upload != null) {
                upload.fail("the upload stalled: nothing arrived for " + idleMillis / 1000 + " s");
            }
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void request(HttpRequest req) {
        bodyDone = false;
        closeAfterBody = false;
        discarding = false;
        discarded = 0;
        discardLimit = MAX_SMALL_BODY;
        if (req.decoderResult().isFailure()) {
            Throwable c = req.decoderResult().cause();
            HttpResponseStatus s = c instanceof TooLongFrameException
                    ? (String.valueOf(c.getMessage()).contains("line")
                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG : HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                    : HttpResponseStatus.BAD_REQUEST;
            answer(s, error("malformed request"), true);
            discarding = true;
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        HttpMethod method = req.method();
        HttpHeaders h = req.headers();

        if (!path.startsWith("/api/")) {
            StaticPage.Asset asset = server.page.get(path);
            discarding = true;
            if (asset == null) {
                answer(HttpResponseStatus.NOT_FOUND, error("not found"), false);
            } else if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
                answer(HttpResponseStatus.METHOD_NOT_ALLOWED, error("method not allowed"), false);
            } else {
                FullHttpResponse r = response(HttpResponseStatus.OK, asset.contentType(),
                        method.equals(HttpMethod.HEAD) ? new byte[0] : asset.body());
                send(r, false);
            }
            return;
        }
        String refusal = refusal(req, path);
        if (refusal != null) {
            HttpResponseStatus s = refusal.startsWith("401") ? HttpResponseStatus.UNAUTHORIZED
                    : HttpResponseStatus.FORBIDDEN;
            // Answer at once, then read and drop a body (at most MAX_DISCARD) so the client sees the answer
            // instead of a reset, then close: the connection is not trusted.
            answerThenClose(s, error(refusal.substring(4)), MAX_DISCARD);
            return;
        }
        boolean post = method.equals(HttpMethod.POST);
        if (path.equals("/api/install") && post) {
            install(req);
            return;
        }
        discarding = true;
        if (HttpUtil.getContentLength(req, 0L) > MAX_SMALL_BODY || HttpUtil.isTransferEncodingChunked(req)) {
            answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, error("request body too large"), true);
            return;
        }
        switch (path) {
            case "/api/status" -> {
                if (!method.equals(HttpMethod.GET)) {
                    answer(HttpResponseStatus.METHOD_NOT_ALLOWED, error("method not allowed"), false);
                    return;
                }
                try {
                    sendJson(HttpResponseStatus.OK, server.service.statusJson(), false);
                } catch (IOException | RuntimeException e) {
                    answer(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            error("status: " + LocalInstallService.reason(e)), false);
                }
            }
            case "/api/progress" -> {
                if (!method.equals(HttpMethod.GET)) {
                    answer(HttpResponseStatus.METHOD_NOT_ALLOWED, error("method not allowed"), false);
                    return;
                }
                ObjectNode o = server.tracker.toJson();
                try {
                    o.put("upload-limit", server.service.uploadLimit());
                } catch (IOException | RuntimeException e) {
                    // The page then learns the limit from the refusal of the upload itself.
                }
                answer(HttpResponseStatus.OK, o, false);
            }
            case "/api/cancel" -> {
                if (!post) {
                    answer(HttpResponseStatus.METHOD_NOT_ALLOWED, error("method not allowed"), false);
                    return;
                }
                server.service.cancel();
                answer(HttpResponseStatus.ACCEPTED, server.tracker.toJson(), false);
            }
            case "/api/reboot" -> {
                if (!post) {
                    answer(HttpResponseStatus.METHOD_NOT_ALLOWED, error("method not allowed"), false);
                    return;
                }
                reboot();
            }
            default -> answer(HttpResponseStatus.NOT_FOUND, error("not found"), false);
        }
    }

    /**
     * Why an API request is refused ("401 ..." or "403 ..."), or null. The token is compared in constant time;
     * a browser's Origin, when sent, must be this server; every POST must carry {@link #REQUEST_HEADER}.
     */
    private String refusal(HttpRequest req, String path) {
        HttpHeaders h = req.headers();
        String token = server.options().token();
        if (token != null) {
            String given = h.get(TOKEN_HEADER);
            if (given == null) {
                return "401 the " + TOKEN_HEADER + " header is required";
            }
            if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
                return "401 wrong token";
            }
        }
        String origin = h.get(HttpHeaderNames.ORIGIN);
        String host = h.get(HttpHeaderNames.HOST);
        if (origin != null && (host == null || !origin.equals("https://" + host))) {
            return "403 cross-origin request refused (Origin " + origin + ")";
        }
        String site = h.get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "403 cross-site request refused (Sec-Fetch-Site " + site + ")";
        }
        if (req.method().equals(HttpMethod.POST) && !"1".equals(h.get(REQUEST_HEADER))) {
            return "403 the " + REQUEST_HEADER + ": 1 header is required for changes";
        }
        return null;
    }

    private void install(HttpRequest req) {
        long length = HttpUtil.getContentLength(req, -1L);
        if (length < 0 && !HttpUtil.isTransferEncodingChunked(req)) {
            answer(HttpResponseStatus.LENGTH_REQUIRED, error("the upload needs a Content-Length"), true);
            discarding = true;
            return;
        }
        long limit;
        try {
            limit = server.service.uploadLimit();
        } catch (IOException | RuntimeException e) {
            answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error("slots: " + LocalInstallService.reason(e)), true);
            discarding = true;
            return;
        }
        if (length > limit) {
            answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, error("the bundle (" + length
                    + " bytes) is larger than the target slots can take (" + limit + " bytes)"), true);
            discarding = true;
            return;
        }
        if (!server.uploading.compareAndSet(false, true)) {
            busy();
            return;
        }
        UploadStream up = new UploadStream(WebServer.UPLOAD_HIGH_WATER,
                () -> ctx.executor().execute(ctx::read));
        server.tracker.begin(up::received, length);
        CompletableFuture<InstallResult> result;
        try {
            result = server.service.start(up, "the upload", server.tracker);
        } catch (BusyException e) {
            server.tracker.failed("busy: " + e.getMessage());
            server.uploading.set(false);
            busy();
            return;
        } catch (RuntimeException e) {
            server.tracker.failed(LocalInstallService.reason(e));
            server.uploading.set(false);
            answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error(LocalInstallService.reason(e)), true);
            discarding = true;
            return;
        }
        server.uploadStarted(up);
        upload = up;
        uploadLimit = limit;
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        result.whenComplete((r, e) -> ctx.executor().execute(() -> finished(up, r, e)));
    }

    private void busy() {
        ObjectNode o = error("busy: another install is running");
        o.set("progress", server.tracker.toJson());
        answerThenClose(HttpResponseStatus.CONFLICT, o, MAX_DISCARD);
    }

    /** The install ended (on the event loop): answer now; a body still arriving is dropped, then closed. */
    private void finished(UploadStream up, InstallResult r, Throwable e) {
        ObjectNode json;
        HttpResponseStatus status;
        if (e == null) {
            json = server.tracker.succeeded(r);
            json.put("state", "installed");
            status = HttpResponseStatus.OK;
        } else {
            json = server.tracker.failed(LocalInstallService.reason(e));
            status = e instanceof BusyException || e.getCause() instanceof BusyException
                    ? HttpResponseStatus.CONFLICT : HttpResponseStatus.UNPROCESSABLE_ENTITY;
        }
        up.close();
        server.uploading.set(false);
        if (upload != up) {
            return; // the connection is gone
        }
        upload = null;
        if (bodyDone) {
            answer(status, json, false);
            armHeaderDeadline();
        } else {
            // Answer now, keep reading (and dropping) the rest so the client sees the answer, then close.
            answerThenClose(status, json, uploadLimit);
        }
        ctx.read();
    }

    private void body(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (upload != null) {
            UploadStream up = upload;
            if (up.received() + content.content().readableBytes() > uploadLimit) {
                content.release();
                up.fail("the upload is longer than the target slots can take (" + uploadLimit + " bytes)");
                upload = null;
                answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        error("the upload is longer than the target slots can take"), true);
                return;
            }
            up.offer(content.content());
            if (last) {
                bodyDone = true;
                up.end();
            }
            return;
        }
        discarded += content.content().readableBytes();
        content.release();
        if (discarding && discarded > discardLimit) {
            ctx.close();
            return;
        }
        if (last) {
            bodyDone = true;
            discarding = false;
            if (closeAfterBody) {
                ctx.close();
            } else {
                armHeaderDeadline();
            }
        }
    }

    private void reboot() {
        if (server.tracker.installing()) {
            answer(HttpResponseStatus.CONFLICT, error("busy: an install is running"), false);
            return;
        }
        // The reboot command may take a while (it runs sh -c): off the event loop.
        Thread t = new Thread(() -> {
            String failure = null;
            try {
                server.service.reboot();
            } catch (IOException | RuntimeException e) {
                failure = LocalInstallService.reason(e);
            }
            String f = failure;
            ctx.executor().execute(() -> {
                if (f == null) {
                    ObjectNode o = InstallTracker.JSON.createObjectNode().put("rebooting", true);
                    answer(HttpResponseStatus.ACCEPTED, o, false);
                } else {
                    answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error("reboot failed: " + f), false);
                }
            });
        }, "tandem-web-reboot");
        t.setDaemon(true);
        t.start();
    }

    private static ObjectNode error(String message) {
        return InstallTracker.JSON.createObjectNode().put("error", message);
    }

    /** Answers with "Connection: close", drops up to {@code limit} body bytes, and closes at the body's end. */
    private void answerThenClose(HttpResponseStatus status, ObjectNode json, long limit) {
        FullHttpResponse r = response(status, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
        HttpUtil.setKeepAlive(r, false);
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(r);
        } else {
            r.release();
        }
        discarding = true;
        discardLimit = limit;
        closeAfterBody = true;
    }

    private void answer(HttpResponseStatus status, ObjectNode json, boolean close) {
        sendJson(status, json.toString(), close);
    }

    private void sendJson(HttpResponseStatus status, String json, boolean close) {
        send(response(status, "application/json", json.getBytes(StandardCharsets.UTF_8)), close);
    }

    private void send(FullHttpResponse r, boolean close) {
        if (!ctx.channel().isActive()) {
            r.release();
            return;
        }
        HttpUtil.setKeepAlive(r, !close);
        var f = ctx.writeAndFlush(r);
        if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, type);
        h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
                        + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
        h.set("Strict-Transport-Security", "max-age=31536000");
        return r;
    }
}
