package dev.tandem.install.http;

import java.net.URI;

/**
 * Child-JVM half of {@link HttpSourceMemoryTest}: reads a whole URL with tight heap and direct-memory limits
 * and prints {@code OK <bytes> <markers>}, where markers are the non-zero bytes seen.
 */
public final class MemoryBoundProbe {

    private MemoryBoundProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (HttpSource s = HttpSource.open(URI.create(args[0]), HttpOptions.defaults())) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            StringBuilder markers = new StringBuilder();
            int n;
            while ((n = s.read(buf, 0, buf.length)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != 0) {
                        markers.append(total + i).append('=').append(buf[i]).append(',');
                    }
                }
                total += n;
            }
            System.out.println("OK " + total + " " + markers);
        }
    }
}
