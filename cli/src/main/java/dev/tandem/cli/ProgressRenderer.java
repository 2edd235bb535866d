package dev.tandem.cli;

import dev.tandem.agent.api.InstallEvents;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows an install's progress: a one-line bar with rate and ETA on a terminal (stderr), JSON lines on stdout with
 * {@code --progress=json} (for scripts and agents; the local API streams the same lines, {@link InstallEvents}), or nothing.
 */
final class ProgressRenderer implements InstallListener {

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
            out.println(InstallEvents.phase(phase, detail));
            out.flush();
        }
    }

    @Override
    public synchronized void note(String message) {
        if (mode == GlobalOptions.ProgressMode.JSON) {
            out.println(InstallEvents.note(message));
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
            out.println(InstallEvents.progress(p));
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
