package dev.tandem.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import java.util.Locale;

/**
 * The JSON form of an install's events, shared by {@code tandem install --progress json} and the local API's
 * subscription (device-agent/API.md), so that a script reads the same lines from either.
 */
public final class InstallEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private InstallEvents() {
    }

    /** {@code {"event":"phase","phase":"stream","detail":"rootfs -> rootfs.1"}}; no detail when it is empty. */
    public static ObjectNode phase(InstallPhase phase, String detail) {
        ObjectNode n = JSON.createObjectNode().put("event", "phase").put("phase", name(phase));
        if (detail != null && !detail.isEmpty()) {
            n.put("detail", detail);
        }
        return n;
    }

    /** A progress snapshot, with the transfer rate (image bytes per second) and the estimated seconds left. */
    public static ObjectNode progress(InstallProgress p) {
        return JSON.createObjectNode().put("event", "progress").put("image", p.image()).put("slot", p.slot())
                .put("percent", p.percent()).put("bytes-done", p.imageBytesDone())
                .put("bytes-total", p.imageBytesTotal()).put("downloaded", p.bytesDownloaded())
                .put("reused", p.bytesReused()).put("written", p.bytesWritten())
                .put("rate", (long) p.bytesPerSecond()).put("eta-seconds", p.etaSeconds());
    }

    /** The reverse of {@link #progress}, for clients that render what the API sent (chunk counts are not sent). */
    public static InstallProgress progressOf(ObjectNode n) {
        return new InstallProgress(n.path("image").asText(""), n.path("slot").asText(""), 0, 0,
                n.path("bytes-done").asLong(), n.path("bytes-total").asLong(), n.path("downloaded").asLong(),
                n.path("reused").asLong(), n.path("written").asLong(), n.path("rate").asDouble(),
                n.path("eta-seconds").asLong(-1));
    }

    public static ObjectNode note(String message) {
        return JSON.createObjectNode().put("event", "note").put("message", message);
    }

    /** The install ended well. */
    public static ObjectNode done(InstallResult r) {
        return JSON.createObjectNode().put("event", "done").put("bundle-id", r.bundleId()).put("version", r.version())
                .put("activated", r.activated()).put("resumed", r.resumed()).put("downloaded", r.downloaded())
                .put("reused", r.reused()).put("written", r.written()).put("seconds", r.elapsed().toMillis() / 1000.0);
    }

    /** The install failed or was canceled: one line, and the exit code {@code tandem install} would have had. */
    public static ObjectNode failed(String error, int exitCode, boolean canceled) {
        return JSON.createObjectNode().put("event", "failed").put("error", error).put("exit-code", exitCode)
                .put("canceled", canceled);
    }

    static String name(InstallPhase phase) {
        return phase.name().toLowerCase(Locale.ROOT); // "verify_manifest", as --progress json always said
    }
}
