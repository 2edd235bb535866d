package dev.tandem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows an install's progress: a one-line bar with rate and ETA on a terminal (stderr), JSON lines on stdout with
 * {@code --progress=json} (for scripts and agents), or nothing.
 */
final class ProgressRenderer implements InstallListener {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GlobalOptions.ProgressMode mode;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean tty;
    private boolean barShown;

    ProgressRenderer(GlobalOptions.ProgressMode mode, PrintWriter out, PrintWriter err) {
        this.mode = mode;
        this.out = out;
        this.err = err;
        this.tty = System.console() != null;
    }

    @Override
    public synchronized void phase(InstallPhase phase, String detail) {
        if (mode == GlobalOptions.ProgressMode.JSON) {
            ObjectNode n = JSON.createObjectNode().put("event", "phase").put("phase", phase.name().toLowerCase(Locale.ROOT));
            if (!detail.isEmpty()) {
                n.put("detail", detail);
            }
            out.println(n);
            out.flush();
        }
    }

    @Override
    public synchronized void note(String message) {
        if (mode == GlobalOptions.ProgressMode.JSON) {
            out.println(JSON.createObjectNode().put("event", "note").put("message", message));
            out.flush();
        } else if (mode != GlobalOptions.ProgressMode.NONE) {
            endBar();
            err.println(message);
            err.flush();
        }
    }

    @Override
    public synchronized void progress(InstallProgress p) {
        if (mode == GlobalOptions.ProgressMode.JSON) {
            out.println(JSON.createObjectNode().put("event", "progress").put("image", p.image()).put("slot", p.slot())
                    .put("percent", p.percent()).put("bytes-done", p.imageBytesDone())
                    .put("bytes-total", p.imageBytesTotal()).put("downloaded", p.bytesDownloaded())
                    .put("reused", p.bytesReused()).put("written", p.bytesWritten())
                    .put("rate", (long) p.bytesPerSecond()).put("eta-seconds", p.etaSeconds()));
            out.flush();
        } else if (mode == GlobalOptions.ProgressMode.AUTO && tty) {
            int width = 30;
            int filled = Math.min(width, p.percent() * width / 100);
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            String eta = p.etaSeconds() < 0 ? "--:--" : String.format(Locale.ROOT, "%d:%02d", p.etaSeconds() / 60,
                    p.etaSeconds() % 60);
            err.printf(Locale.ROOT, "\r%s [%s] %3d%% %s/s ETA %s ", p.image(), bar, p.percent(),
                    SizeConverter.human((long) p.bytesPerSecond()), eta);
            err.flush();
            barShown = true;
        }
    }

    /** Ends the bar's line so later output starts on a fresh one. */
    synchronized void endBar() {
        if (barShown) {
            err.println();
            err.flush();
            barShown = false;
        }
    }
}
