package dev.tandem.serve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Answers one connection's requests for {@link StaticFileServer}. */
final class StaticFileHandler extends SimpleChannelInboundHandler<HttpObject> {

    private final Path root;
    private final boolean tls;
    private final AtomicLong bytesServed;

    StaticFileHandler(Path root, boolean tls, AtomicLong bytesServed) {
        this.root = root;
        this.tls = tls;
        this.bytesServed = bytesServed;
    }

    /** A file found for a request, with what the headers need. */
    private record Found(Path path, long size, String etag, String lastModified) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest req)) {
            return; // request bodies (none expected for GET/HEAD) are dropped
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            sendError(ctx, HttpResponseStatus.BAD_REQUEST, false, null);
            return;
        }
        boolean head = req.method().equals(HttpMethod.HEAD);
        if (!head && !req.method().equals(HttpMethod.GET)) {
            sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive, "GET, HEAD");
            return;
        }
        Object found = resolve(req.uri());
        if (found instanceof HttpResponseStatus status) {
            sendError(ctx, status, keepAlive, null);
            return;
        }
        try {
            serve(ctx, req, (Found) found, head, keepAlive);
        } catch (IOException e) {
            sendError(ctx, HttpResponseStatus.NOT_FOUND, false, null);
        }
    }

    /** The file a request target names, or the status to answer with. */
    private Object resolve(String uri) {
        String rawPath;
        try {
            rawPath = uri.startsWith("/") ? uri : new URI(uri).getRawPath(); // absolute form, via a proxy
        } catch (Exception e) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (rawPath == null || !rawPath.startsWith("/")) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        String path;
        try {
            path = new QueryStringDecoder(rawPath, StandardCharsets.UTF_8, true).path();
        } catch (IllegalArgumentException e) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
            return HttpResponseStatus.FORBIDDEN;
        }
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.isEmpty()) {
                continue;
            }
            if (s.equals("..")) {
                return HttpResponseStatus.FORBIDDEN;
            }
            if (s.startsWith(".")) {
                return HttpResponseStatus.NOT_FOUND; // dotfiles and "." stay invisible
            }
            segments.add(s);
        }
        if (segments.isEmpty()) {
            return HttpResponseStatus.NOT_FOUND;
        }
        try {
            Path p = root.resolve(String.join("/", segments));
            Path real = p.toRealPath();
            if (!real.startsWith(root)) {
                return HttpResponseStatus.FORBIDDEN; // a link out of the root
            }
            for (Path part : root.relativize(real)) {
                if (part.toString().startsWith(".")) {
                    return HttpResponseStatus.NOT_FOUND; // a link to a dotfile is as invisible as the dotfile
                }
            }
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return HttpResponseStatus.NOT_FOUND;
            }
            long mtimeNanos = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
            Object ino = Files.getAttribute(real, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            String etag = "\"" + Long.toHexString(a.size()) + "-" + Long.toHexString(mtimeNanos) + "-"
                    + Long.toHexString(((Number) ino).longValue()) + "\"";
            String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    a.lastModifiedTime().toInstant().atOffset(ZoneOffset.UTC));
            return new Found(real, a.size(), etag, lastModified);
        } catch (NoSuchFileException e) {
            return HttpResponseStatus.NOT_FOUND;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return HttpResponseStatus.NOT_FOUND;
        }
    }

    private void serve(ChannelHandlerContext ctx, HttpRequest req, Found f, boolean head, boolean keepAlive)
            throws IOException {
        HttpHeaders rh = req.headers();
        List<ByteRangeRequest.Span> spans = ByteRangeRequest.parse(rh.get(HttpHeaderNames.RANGE), f.size());
        String ifRange = rh.get(HttpHeaderNames.IF_RANGE);
        if (spans != null && ifRange != null && !ifRange.trim().equals(f.etag())
                && !ifRange.trim().equals(f.lastModified())) {
            spans = null; // the client's copy is stale: send everything
        }
        HttpResponse res;
        if (spans != null && spans.isEmpty()) {
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            common(res, f);
            res.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + f.size());
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            finish(ctx, ctx.writeAndFlush(res), keepAlive);
            return;
        }
        if (spans == null || spans.size() == 1) {
            long first = spans == null ? 0 : spans.get(0).first();
            long length = spans == null ? f.size() : spans.get(0).length();
            res = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                    spans == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT);
            common(res, f);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
            if (spans != null) {
                res.headers().set(HttpHeaderNames.CONTENT_RANGE,
                        "bytes " + first + "-" + (first + length - 1) + "/" + f.size());
            }
            ctx.write(res);
            if (!head && length > 0) {
                writeCounted(ctx, fileBody(f.path(), first, length));
            }
            finish(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
            return;
        }
        String boundary = "tandem" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        List<ByteBuf> partHeads = new ArrayList<>();
        long length = 0;
        for (ByteRangeRequest.Span s : spans) {
            ByteBuf h = Unpooled.copiedBuffer("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Range: bytes " + s.first() + "-" + s.last() + "/" + f.size() + "\r\n\r\n",
                    StandardCharsets.US_ASCII);
            partHeads.add(h);
            length += h.readableBytes() + s.length();
        }
        ByteBuf tail = Unpooled.copiedBuffer("\r\n--" + boundary + "--\r\n", StandardCharsets.US_ASCII);
        length += tail.readableBytes();
        res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
        common(res, f);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        ctx.write(res);
        if (head) {
            partHeads.forEach(ByteBuf::release);
            tail.release();
        } else {
            for (int i = 0; i < spans.size(); i++) {
                ctx.write(partHeads.get(i));
                writeCounted(ctx, fileBody(f.path(), spans.get(i).first(), spans.get(i).length()));
            }
            ctx.write(tail);
        }
        finish(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
    }

    /** Zero-copy region without TLS; with TLS the bytes must pass through the engine, in 16 KiB chunks. */
    private Object fileBody(Path path, long first, long length) throws IOException {
        if (!tls) {
            return new DefaultFileRegion(path.toFile(), first, length);
        }
        return new ChunkedNioFile(FileChannel.open(path, StandardOpenOption.READ), first, length, 16 * 1024);
    }

    /** Writes a body part, adding the bytes that actually reach the socket to {@link StaticFileServer#bytesServed}. */
    private void writeCounted(ChannelHandlerContext ctx, Object body) {
        ChannelProgressivePromise promise = ctx.newProgressivePromise();
        promise.addListener(new ChannelProgressiveFutureListener() {
            private long counted;

            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                if (progress > counted) {
                    bytesServed.addAndGet(progress - counted);
                    counted = progress;
                }
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
            }
        });
        ctx.write(body, promise);
    }

    private static void common(HttpResponse res, Found f) {
        res.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        res.headers().set(HttpHeaderNames.ETAG, f.etag());
        res.headers().set(HttpHeaderNames.LAST_MODIFIED, f.lastModified());
    }

    private static void finish(ChannelHandlerContext ctx, ChannelFuture last, boolean keepAlive) {
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void sendError(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive,
                                  String allow) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(status + "\n", StandardCharsets.US_ASCII));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        if (allow != null) {
            res.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        finish(ctx, ctx.writeAndFlush(res), keepAlive);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
