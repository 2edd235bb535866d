package dev.tandem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.agent.feed.FeedAgent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The feed agent's last outcome (boot-check's verdict on its last update, or why it was not booted) as
 * {@code tandem status} shows it: the first line of {@code <data-dir>/agent/feed-status}, at most 1 KiB.
 */
final class FeedStatusLine {

    private static final int MAX_BYTES = 1024;

    private FeedStatusLine() {
    }

    /** The line, or null when the feed agent recorded none. */
    static String read(Path dataDir) {
        try (InputStream in = Files.newInputStream(dataDir.resolve("agent").resolve(FeedAgent.STATUS))) {
            String s = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return (nl < 0 ? s : s.substring(0, nl)).replaceAll("\\p{Cntrl}", "?");
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** {@code text} with the line added. */
    static String text(String text, String line) {
        return line == null ? text : text + System.lineSeparator() + "feed update: " + line;
    }

    /** {@code json} (an object) with {@code "feed-update"} added. */
    static String json(String json, String line) {
        if (line == null) {
            return json;
        }
        try {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = (ObjectNode) m.readTree(json);
            o.put("feed-update", line);
            return m.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
