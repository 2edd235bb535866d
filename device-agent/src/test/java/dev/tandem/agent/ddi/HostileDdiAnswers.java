package dev.tandem.agent.ddi;

import dev.tandem.testsupport.RawHttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generated hostile DDI answers for the fuzz tests: valid-looking messages mutated (wrong types, missing fields,
 * numbers out of range, invalid UTF-8, odd links, huge arrays and strings, deep nesting, truncation, random bytes)
 * and sent with hostile framing (no length, a lying length, a huge declared length, chunked, endless, slow, odd
 * statuses). Deterministic for a seed.
 */
public final class HostileDdiAnswers {

    /** A generated answer and a short name for messages. */
    public record Answer(String name, RawHttpServer.Responder responder) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String[] STATUSES = {"200", "200", "200", "200", "204", "301", "400", "404", "410", "429",
        "500", "999", "20x"};
    private static final String[] VALUES = {"null", "true", "-1", "0", "1e999999", "-1e-999999",
        "99999999999999999999999999999999999999999", "\"\"", "\"x\"", "[]", "{}", "[[[]]]", "{\"href\":1}",
        "\"\\ud800\"", "\"\\u0000\\n\\r\""};
    private static final String[] HREFS = {"ftp://h/x", "/relative/deploymentBase/1", "javascript:alert(1)", "",
        "http://", "https://[::1", "http://127.0.0.1:1/DEFAULT/controller/v1/dev/deploymentBase/1",
        "http://evil.example/deploymentBase/../../1", "http://127.0.0.1/ /x", "file:///etc/shadow"};

    private HostileDdiAnswers() {
    }

    /**
     * One hostile answer. {@code self} is the server's own URL (so that some links lead back to it); slow answers
     * (which cost the client its whole request timeout) are made only when {@code allowSlow}.
     */
    public static Answer next(Random r, String self, boolean allowSlow) {
        String[] templates = {
            "{\"config\":{\"polling\":{\"sleep\":\"00:00:01\"}},\"_links\":{\"deploymentBase\":{\"href\":\""
                    + self + "/DEFAULT/controller/v1/dev/deploymentBase/1\"},\"configData\":{\"href\":\"" + self
                    + "/DEFAULT/controller/v1/dev/configData\"}}}",
            "{\"config\":{\"polling\":{\"sleep\":\"00:00:01\"}},\"_links\":{\"cancelAction\":{\"href\":\"" + self
                    + "/DEFAULT/controller/v1/dev/cancelAction/2\"}}}",
            "{\"id\":\"1\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"maintenanceWindow\":"
                    + "\"available\",\"chunks\":[{\"part\":\"os\",\"version\":\"1\",\"name\":\"n\",\"artifacts\":[{"
                    + "\"filename\":\"b.tandem\",\"hashes\":{\"sha1\":\"a\",\"md5\":\"b\",\"sha256\":\"c\"},\"size\":5,"
                    + "\"_links\":{\"download\":{\"href\":\"" + self + "/b.tandem\"},\"download-http\":{\"href\":\""
                    + self + "/b.tandem\"}}}]}]}}",
            "{\"id\":\"2\",\"cancelAction\":{\"stopId\":\"1\"}}",
        };
        String json = templates[r.nextInt(templates.length)];
        String body;
        String name;
        switch (r.nextInt(12)) {
            case 0 -> {
                name = "wrong type";
                body = replaceValue(r, json, VALUES[r.nextInt(VALUES.length)]);
            }
            case 1 -> {
                name = "odd link";
                body = json.replaceFirst("\"href\":\"[^\"]*\"", "\"href\":\"" + HREFS[r.nextInt(HREFS.length)]
                        .replace("\\", "\\\\") + "\"");
            }
            case 2 -> {
                name = "missing field";
                body = json.replaceFirst("\"(id|deployment|download|update|href|cancelAction|_links)\":", "\"gone\":");
            }
            case 3 -> {
                int depth = 10 + r.nextInt(5000);
                name = "deep " + depth;
                body = json.replaceFirst("\\{", "{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + ",");
            }
            case 4 -> {
                int n = 1000 + r.nextInt(200_000);
                name = "huge array " + n;
                body = json.replaceFirst("\\{", "{\"chunks\":[" + "{},".repeat(n) + "{}],\"a\":[" + "1,".repeat(n)
                        + "1],");
            }
            case 5 -> {
                int n = 1000 + r.nextInt(2_000_000);
                name = "long string " + n;
                body = json.replaceFirst("\"1\"", "\"" + "9".repeat(n) + "\"");
            }
            case 6 -> {
                name = "truncated";
                body = json.substring(0, r.nextInt(json.length()));
            }
            case 7 -> {
                name = "sleep";
                body = json.replace("00:00:01", List.of("00:00:00", "99:99:99", "-1", "", "999:59:59",
                        "00:00:01.5", "١٢:٠٠:٠٠").get(r.nextInt(7)));
            }
            default -> {
                name = "valid";
                body = json;
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(10) == 0) {
            name += ", invalid UTF-8";
            bytes = corrupt(r, bytes);
        }
        if (r.nextInt(25) == 0) {
            name = "random bytes";
            bytes = new byte[r.nextInt(5000)];
            r.nextBytes(bytes);
        }
        return frame(r, name, bytes, allowSlow);
    }

    private static Answer frame(Random r, String name, byte[] body, boolean allowSlow) {
        String status = STATUSES[r.nextInt(STATUSES.length)];
        String head = "HTTP/1.1 " + status + " X\r\nContent-Type: application/hal+json\r\n";
        int k = r.nextInt(20);
        if (k == 0) {
            return new Answer(name + ", endless", (req, out) -> {
                write(out, head + "\r\n");
                out.write(body);
                RawHttpServer.repeat(out, "[1,".getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE);
            });
        }
        if (k == 1) {
            return new Answer(name + ", 100 MiB declared", (req, out) -> {
                write(out, head + "Content-Length: 104857600\r\n\r\n");
                out.write(body);
            });
        }
        if (k == 2) {
            return new Answer(name + ", short length", (req, out) -> {
                write(out, head + "Content-Length: " + (body.length + 100) + "\r\n\r\n");
                out.write(body);
            });
        }
        if (k == 3) {
            return new Answer(name + ", chunked", (req, out) -> {
                write(out, head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n");
                out.write(body);
                write(out, "\r\n0\r\n\r\n");
            });
        }
        if (k == 4) {
            return new Answer(name + ", bad chunk", (req, out) -> write(out, head
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"));
        }
        if (k == 5) {
            return new Answer(name + ", no status", (req, out) -> out.write(body));
        }
        if (k == 6 && allowSlow) {
            return new Answer(name + ", slow", (req, out) -> {
                write(out, head + "\r\n");
                for (int i = 0; i < 100_000; i++) {
                    out.write(' ');
                    out.flush();
                    sleep(50);
                }
            });
        }
        if (k == 7) {
            return new Answer(name + ", close-delimited", (req, out) -> {
                write(out, head + "\r\n");
                out.write(body);
            });
        }
        return new Answer(name + ", status " + status, (req, out) -> {
            write(out, head + "Content-Length: " + body.length + "\r\n\r\n");
            out.write(body);
        });
    }

    private static String replaceValue(Random r, String json, String value) {
        String[] keys = {"sleep", "id", "download", "update", "chunks", "artifacts", "filename", "size", "href",
            "_links", "config", "polling", "deployment", "stopId", "cancelAction", "hashes", "maintenanceWindow"};
        String key = keys[r.nextInt(keys.length)];
        int at = json.indexOf("\"" + key + "\":");
        if (at < 0) {
            return json;
        }
        int start = at + key.length() + 3;
        int end = valueEnd(json, start);
        return json.substring(0, start) + value + json.substring(end);
    }

    /** The end of the JSON value starting at {@code start} (strings, objects, arrays, scalars). */
    private static int valueEnd(String json, int start) {
        char c = json.charAt(start);
        if (c == '"') {
            return json.indexOf('"', start + 1) + 1;
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            boolean inString = false;
            for (int i = start; i < json.length(); i++) {
                char x = json.charAt(i);
                if (x == '"') {
                    inString = !inString;
                } else if (!inString && (x == '{' || x == '[')) {
                    depth++;
                } else if (!inString && (x == '}' || x == ']') && --depth == 0) {
                    return i + 1;
                }
            }
            return json.length();
        }
        int i = start;
        while (i < json.length() && ",}]".indexOf(json.charAt(i)) < 0) {
            i++;
        }
        return i;
    }

    private static byte[] corrupt(Random r, byte[] b) {
        byte[] out = b.clone();
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}};
        for (int i = 0; i < 1 + r.nextInt(3) && out.length > 8; i++) {
            byte[] x = bad[r.nextInt(bad.length)];
            int at = r.nextInt(out.length - x.length);
            System.arraycopy(x, 0, out, at, x.length);
        }
        return out;
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
