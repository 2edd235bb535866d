package dev.tandem.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import java.util.function.LongSupplier;

/**
 * The latest state of the page's install, for {@code GET /api/progress}: idle, receiving (with the phase and
 * progress the installer reports, and the bytes uploaded), installed, or failed with the reason. Written from the
 * install's threads and read from the server's, so every method is synchronized; each call is short.
 */
final class InstallTracker implements InstallListener {

    static final ObjectMapper JSON = new ObjectMapper();

    private String state = "idle";
    private String phase;
    private String detail;
    private InstallProgress progress;
    private String error;
    private ObjectNode result;
    private LongSupplier uploaded = () -> 0;
    private long uploadTotal = -1;

    /** A new install starts; {@code uploaded} counts the body bytes received, {@code total} is -1 when unknown. */
    synchronized void begin(LongSupplier uploaded, long total) {
        state = "installing";
        phase = null;
        detail = null;
        progress = null;
        error = null;
        result = null;
        this.uploaded = uploaded;
        this.uploadTotal = total;
    }

    synchronized boolean installing() {
        return state.equals("installing");
    }

    @Override
    public synchronized void phase(InstallPhase phase, String detail) {
        this.phase = phase.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        this.detail = detail;
    }

    @Override
    public synchronized void progress(InstallProgress progress) {
        this.progress = progress;
    }

    synchronized ObjectNode succeeded(InstallResult r) {
        state = "installed";
        ObjectNode o = JSON.createObjectNode();
        o.put("bundle-id", r.bundleId());
        o.put("version", r.version());
        o.put("activated", r.activated());
        o.put("resumed", r.resumed());
        o.put("received", r.downloaded());
        o.put("written", r.written());
        o.put("reused", r.reused());
        o.put("seconds", r.elapsed().toMillis() / 1000.0);
        var images = o.putArray("images");
        for (InstallResult.ImageResult i : r.images()) {
            images.addObject().put("image", i.image()).put("slot", i.slot()).put("size", i.size())
                    .put("sha256", i.sha256());
        }
        result = o;
        return o.deepCopy();
    }

    synchronized ObjectNode failed(String reason) {
        state = "failed";
        error = reason;
        ObjectNode o = JSON.createObjectNode();
        o.put("state", state);
        o.put("error", reason);
        return o;
    }

    synchronized ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", state);
        if (phase != null) {
            o.put("phase", phase);
            o.put("detail", detail);
        }
        o.put("uploaded", uploaded.getAsLong());
        o.put("upload-total", uploadTotal);
        if (progress != null) {
            o.put("percent", progress.percent());
            o.put("image", progress.image());
            o.put("slot", progress.slot());
            o.put("image-bytes-done", progress.imageBytesDone());
            o.put("image-bytes-total", progress.imageBytesTotal());
            o.put("bytes-per-second", Math.round(progress.bytesPerSecond()));
            o.put("eta-seconds", progress.etaSeconds());
        }
        if (error != null) {
            o.put("error", error);
        }
        if (result != null) {
            o.set("result", result.deepCopy());
        }
        return o;
    }
}
