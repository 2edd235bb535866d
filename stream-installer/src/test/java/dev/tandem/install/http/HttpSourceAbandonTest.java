package dev.tandem.install.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Giving a response up is bounded in time, however the server paces what is left of it. */
class HttpSourceAbandonTest {

    @Test
    void closingWhileTheLastBytesTrickleReturnsWithinTheDrainTime() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> trickle(server), "trickling-server");
            t.setDaemon(true);
            t.start();
            HttpSource source = HttpSource.open(URI.create("http://127.0.0.1:" + server.getLocalPort()
                    + "/b.tandem"), HttpOptions.defaults());
            byte[] first = new byte[10];
            assertThat(source.read(first, 0, first.length)).isPositive();
            // 990 bytes are left, under the drain limit: the old close read them all, one every 200 ms (198 s).
            // Now close gives up at the drain time (1 s; a loaded run took 2 s): the bounds tell the two apart with
            // room for a slow machine.
            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(60), source::close);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(ResponseBody.DRAIN_TIME.plusSeconds(30));
        }
    }

    /** Answers the first request with 1,000 announced bytes: 10 at once, then one every 200 ms. */
    private static void trickle(ServerSocket server) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (matched < end.length) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[10]);
            out.flush();
            for (int i = 0; i < 990; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(200);
            }
        } catch (Exception e) {
            // the client went away
        }
    }
}
