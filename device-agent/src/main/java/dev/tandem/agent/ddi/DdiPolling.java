package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code config.polling} of the controller base: how long the device should wait before its next poll.
 *
 * @param sleep {@code HH:MM:SS}, as hawkBit writes it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiPolling(@JsonProperty("sleep") String sleep) {

    private static final Pattern HH_MM_SS = Pattern.compile("(\\d{1,3}):([0-5]\\d):([0-5]\\d)");

    /**
     * The sleep as a duration.
     *
     * @throws IllegalArgumentException when it is not {@code HH:MM:SS}
     */
    public Duration duration() {
        Matcher m = HH_MM_SS.matcher(sleep == null ? "" : sleep);
        if (!m.matches()) {
            throw new IllegalArgumentException("polling sleep '" + sleep + "' is not HH:MM:SS");
        }
        return Duration.ofHours(Long.parseLong(m.group(1))).plusMinutes(Long.parseLong(m.group(2)))
                .plusSeconds(Long.parseLong(m.group(3)));
    }
}
