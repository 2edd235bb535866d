package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testsupport.RawHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The most memory a DDI answer can cost, in the heap the agent's unit gives it ({@code -Xmx32m}): a child JVM
 * serves itself answers just under the 1 MiB limit that make the most objects (arrays of empty objects, maps of
 * links, strings at the string limit) and reads each many times; it must end without OutOfMemoryError.
 */
class DdiSmallHeapTest {

    @Test
    void theWorstAnswersUnderTheLimitFitTheUnitsHeap() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                DdiSmallHeapTest.class.getName()).redirectErrorStream(true).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
        }
        assertThat(ended).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("read 4 answers of each kind");
    }

    /** The child: exit 0 when every answer was read or refused as a DdiException. */
    public static void main(String[] args) throws IOException {
        int n = 0;
        String[] bodies = {
            "{\"id\":\"1\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":["
                    + "{},".repeat(349_000) + "{}]}}",
            "{\"id\":\"1\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":[{\"artifacts\":["
                    + "{},".repeat(349_000) + "{}]}]}}",
            "{\"_links\":{" + linkMap(20_000) + "}}",
            "{\"id\":\"1\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":["
                    + ("{\"part\":\"" + "p".repeat(16_000) + "\"},").repeat(63) + "{}]}}",
        };
        for (String body : bodies) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > DdiClient.MAX_BODY_BYTES) {
                throw new IllegalStateException("test answer over the limit: " + bytes.length);
            }
            try (RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out, body))) {
                DdiClient c = new DdiClient(server.uri(), "DEFAULT", "dev", null, null, Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Map.of());
                DdiLink link = new DdiLink(server.uri() + "/DEFAULT/controller/v1/dev/deploymentBase/1");
                for (int i = 0; i < 4; i++) {
                    try {
                        if (body.startsWith("{\"_links\"")) {
                            c.poll();
                        } else {
                            c.deploymentBase(link);
                        }
                    } catch (DdiException e) {
                        // refused: fine, as long as the heap held
                    }
                }
                n++;
            }
        }
        System.out.println("read 4 answers of each kind (" + n + " kinds)");
        System.exit(n == bodies.length ? 0 : 1);
    }

    private static String linkMap(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("\"r").append(i).append("\":{\"href\":\"http://h/").append(i)
                    .append("\"}");
        }
        return b.toString();
    }

}
