package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1 GiB bundle through {@link HttpSource} in a JVM with 16 MiB of direct memory and 16 MiB of heap: memory is
 * bounded by the reader's own array, not by the bundle size (the source reads nothing ahead of the reader).
 */
class HttpSourceMemoryTest {

    static final long SIZE = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void streamsOneGibibyteWithSixteenMebibytesOfDirectMemory() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("sparse.tandem").toFile(), "rw")) {
            f.setLength(SIZE); // sparse: costs no disk
            for (long at : new long[] {0, 123_456_789, SIZE - 1}) {
                f.seek(at);
                f.write(7);
            }
        }
        try (StaticFileServer server = new StaticFileServer(dir)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:MaxDirectMemorySize=16m", "-Xmx16m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), MemoryBoundProbe.class.getName(),
                    "http://127.0.0.1:" + port + "/sparse.tandem")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            String last = out.substring(out.lastIndexOf('\n') + 1);
            String[] f = last.split(" ");
            assertThat(f[0]).as(out).isEqualTo("OK");
            assertThat(Long.parseLong(f[1])).isEqualTo(SIZE);
            assertThat(f[2]).isEqualTo("0=7,123456789=7," + (SIZE - 1) + "=7,");
            assertThat(server.bytesServed()).isEqualTo(SIZE);
        }
    }
}
