package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link StaticFileServer} seen by real clients: curl where the raw wire matters, the JDK client elsewhere. */
class StaticFileServerTest {

    static final int SIZE = 100_000;

    @TempDir
    static Path dir;
    static Path root;
    static byte[] content;
    static StaticFileServer server;
    static int port;
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        root = Files.createDirectories(dir.resolve("www"));
        content = Files.readAllBytes(TestFiles.random(root, "a.tandem", SIZE, 1));
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("sub/b.tandem"), new byte[] {1, 2, 3});
        Files.writeString(root.resolve(".secret"), "key");
        Files.createDirectories(root.resolve(".git"));
        Files.writeString(root.resolve(".git/config"), "x");
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "root:x:0:0");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("passwd.tandem"), outside.resolve("passwd"));
        Files.createSymbolicLink(root.resolve("alias.tandem"), root.resolve("a.tandem"));
        Files.createSymbolicLink(root.resolve("secret.tandem"), root.resolve(".secret"));
        server = new StaticFileServer(root);
        port = server.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Runs curl; returns its stdout. */
    static String curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--path-as-is"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    static boolean curlAvailable() {
        try {
            return new ProcessBuilder("curl", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static String status(String path) throws Exception {
        return curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + port + path);
    }

    @Test
    void refusesDotDotEscapingLinksAndDotfiles() throws Exception {
        assumeTrue(curlAvailable(), "curl is not installed");
        assertThat(status("/../outside/passwd")).isEqualTo("403");
        assertThat(status("/sub/../a.tandem")).isEqualTo("403");
        assertThat(status("/%2e%2e/outside/passwd")).isEqualTo("403");
        assertThat(status("/escape/passwd")).isEqualTo("403");
        assertThat(status("/passwd.tandem")).isEqualTo("403");
        assertThat(status("/.secret")).isEqualTo("404");
        assertThat(status("/.git/config")).isEqualTo("404");
        assertThat(status("/secret.tandem")).isEqualTo("404");
        assertThat(status("/sub")).isEqualTo("404");
        assertThat(status("/")).isEqualTo("404");
        assertThat(status("/alias.tandem")).isEqualTo("200"); // a link that stays inside the root
        assertThat(status("/sub/b.tandem?x=1")).isEqualTo("200");
    }

    @Test
    void answersHeadWithHeadersOnly() throws Exception {
        assumeTrue(curlAvailable(), "curl is not installed");
        String head = curl("-I", "http://127.0.0.1:" + port + "/a.tandem");
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + SIZE)
                .containsIgnoringCase("accept-ranges: bytes").containsIgnoringCase("etag: \"");
    }

    @Test
    void refusesOtherMethods() throws Exception {
        assumeTrue(curlAvailable(), "curl is not installed");
        String out = curl("-i", "-X", "DELETE", "http://127.0.0.1:" + port + "/a.tandem");
        assertThat(out).startsWith("HTTP/1.1 405").containsIgnoringCase("allow: GET, HEAD");
    }

    @Test
    void servesOneRange() throws Exception {
        HttpResponse<byte[]> r = get("/a.tandem", "Range", "bytes=100-199");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.headers().firstValue("content-range")).hasValue("bytes 100-199/" + SIZE);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(content, 100, 200));
        HttpResponse<byte[]> suffix = get("/a.tandem", "Range", "bytes=-10");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(content, SIZE - 10, SIZE));
    }

    @Test
    void answers416WithTheSizeForUnsatisfiableRanges() throws Exception {
        HttpResponse<byte[]> r = get("/a.tandem", "Range", "bytes=" + SIZE + "-");
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("content-range")).hasValue("bytes */" + SIZE);
    }

    @Test
    void ignoresRangeWhenIfRangeIsStale() throws Exception {
        String etag = get("/a.tandem").headers().firstValue("etag").orElseThrow();
        assertThat(get("/a.tandem", "Range", "bytes=0-9", "If-Range", etag).statusCode()).isEqualTo(206);
        HttpResponse<byte[]> stale = get("/a.tandem", "Range", "bytes=0-9", "If-Range", "\"old\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(content);
        assertThat(get("/a.tandem", "Range", "bytes=oops").statusCode()).isEqualTo(200);
    }

    @Test
    void changesTheETagWhenTheFileIsReplaced() throws Exception {
        Path p = root.resolve("c.tandem");
        Files.write(p, new byte[] {1});
        String before = get("/c.tandem").headers().firstValue("etag").orElseThrow();
        Path tmp = root.resolve("c.tmp");
        Files.write(tmp, new byte[] {2});
        Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(get("/c.tandem").headers().firstValue("etag")).isPresent().get().isNotEqualTo(before);
    }

    @Test
    void servesMultipleRangesAsMultipartThatCurlReceives() throws Exception {
        assumeTrue(curlAvailable(), "curl is not installed");
        String raw = curl("-i", "-r", "0-9,500-509,99990-99999", "http://127.0.0.1:" + port + "/a.tandem");
        assertThat(raw).startsWith("HTTP/1.1 206")
                .containsIgnoringCase("content-type: multipart/byteranges; boundary=");
        String boundary = raw.replaceAll("(?s).*boundary=([^\r\n]+).*", "$1");
        int bodyStart = raw.indexOf("\r\n\r\n") + 4;
        byte[] body = raw.substring(bodyStart).getBytes(StandardCharsets.ISO_8859_1);
        // Parse what curl received with the client's strict parser.
        List<String> parts = new ArrayList<>();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        MultipartByteRangesParser parser = new MultipartByteRangesParser(boundary, SIZE,
                new MultipartByteRangesParser.Listener() {
                    @Override
                    public void part(ContentRange range) {
                        parts.add(range.toString());
                    }

                    @Override
                    public void data(long offset, java.nio.ByteBuffer data) {
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        bytes.write(b, 0, b.length);
                    }
                }, "test");
        parser.feed(java.nio.ByteBuffer.wrap(body));
        parser.finish();
        assertThat(parts).containsExactly("bytes 0-9/" + SIZE, "bytes 500-509/" + SIZE, "bytes 99990-99999/" + SIZE);
        java.io.ByteArrayOutputStream want = new java.io.ByteArrayOutputStream();
        want.write(content, 0, 10);
        want.write(content, 500, 10);
        want.write(content, 99990, 10);
        assertThat(bytes.toByteArray()).isEqualTo(want.toByteArray());
    }

    /** Sends one GET with these request headers over a plain socket; returns every byte the server sent. */
    static byte[] rawGet(String path, String... headerLines) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            for (String h : headerLines) {
                req.append(h).append("\r\n");
            }
            s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return s.getInputStream().readAllBytes();
        }
    }

    @Test
    void overlappingRangesSendTheFileOnceNotOncePerRange() throws Exception {
        String flood = "Range: bytes=" + String.join(",", java.util.Collections.nCopies(256, "0-"));
        long before = server.bytesServed();
        byte[] raw = rawGet("/a.tandem", flood);
        String head = new String(raw, 0, Math.min(raw.length, 1024), StandardCharsets.ISO_8859_1);
        // Counted on the socket: the file once and one header, where 256 parts of the whole file were 25.6 MB.
        assertThat(raw.length).as(head).isBetween(SIZE, SIZE + 1024);
        assertThat(head).startsWith("HTTP/1.1 206").containsIgnoringCase("content-range: bytes 0-99999/" + SIZE);
        assertThat(server.bytesServed() - before).isLessThanOrEqualTo(SIZE);
    }

    @Test
    void mergesOverlappingAndAdjacentRangesAndKeepsSeparateOnes() throws Exception {
        byte[] raw = rawGet("/a.tandem", "Range: bytes=500-509,0-9,5-14,15-19,505-600");
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("HTTP/1.1 206").contains("multipart/byteranges");
        List<String> ranges = text.lines().filter(l -> l.toLowerCase().startsWith("content-range:")).toList();
        assertThat(ranges).containsExactly("Content-Range: bytes 0-19/" + SIZE, "Content-Range: bytes 500-600/" + SIZE);
    }

    @Test
    void countsBytesServed() throws Exception {
        long before = server.bytesServed();
        get("/a.tandem");
        get("/a.tandem", "Range", "bytes=0-99");
        // The counter moves when a write completes on the server's side, which can be a moment after the client
        // has read the bytes: wait for it rather than race it.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.bytesServed() - before < SIZE + 100 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.bytesServed() - before).isEqualTo(SIZE + 100);
    }
}
