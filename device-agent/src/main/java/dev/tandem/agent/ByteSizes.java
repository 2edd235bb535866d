package dev.tandem.agent;

import java.util.Locale;

/** Sizes for the agents' progress and result lines (every mode prints them). */
public final class ByteSizes {

    private ByteSizes() {
    }

    /** Bytes for people: 1.5 MiB. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
