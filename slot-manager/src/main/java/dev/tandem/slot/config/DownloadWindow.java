package dev.tandem.slot.config;

import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daily time of day range in which the agent may download ({@code [download] windows}, CONFIG.md), in the device's
 * local time: {@code "01:00-05:30"}. A window whose end is before its start runs over midnight ({@code "22:00-02:00"});
 * start equal to end is the whole day.
 *
 * @param start first minute inside
 * @param end   first minute outside
 */
public record DownloadWindow(LocalTime start, LocalTime end) {

    private static final Pattern FORM = Pattern.compile("([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]|24):([0-5][0-9])");

    /**
     * Parses {@code HH:MM-HH:MM} (24-hour; {@code 24:00} as an end is midnight).
     *
     * @throws IllegalArgumentException with a message for the config error
     */
    public static DownloadWindow parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches() || m.group(3).equals("24") && !m.group(4).equals("00")) {
            throw new IllegalArgumentException("'" + text + "' is not a window HH:MM-HH:MM (24-hour, e.g. 01:00-05:30)");
        }
        LocalTime start = LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        LocalTime end = m.group(3).equals("24") ? LocalTime.MIDNIGHT
                : LocalTime.of(Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
        return new DownloadWindow(start, end);
    }

    /** Whether {@code t} is inside. */
    public boolean contains(LocalTime t) {
        if (start.equals(end)) {
            return true;
        }
        if (start.isBefore(end)) {
            return !t.isBefore(start) && t.isBefore(end);
        }
        return !t.isBefore(start) || t.isBefore(end);
    }

    /** The next moment at or after {@code now} at which this window opens (now itself when it is open). */
    public ZonedDateTime nextOpening(ZonedDateTime now) {
        if (contains(now.toLocalTime())) {
            return now;
        }
        ZonedDateTime today = now.with(start);
        return today.isAfter(now) ? today : today.plusDays(1);
    }

    @Override
    public String toString() {
        return start + "-" + (end.equals(LocalTime.MIDNIGHT) && !start.equals(end) ? "24:00" : end.toString());
    }
}
