package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The answer to a poll, {@code GET /{tenant}/controller/v1/{controllerId}}: the polling advice and links saying
 * what the server wants next. Links tandem acts on: {@link #DEPLOYMENT_BASE}, {@link #CANCEL_ACTION},
 * {@link #CONFIG_DATA}. Others ({@code installedBase}, {@code confirmationBase} of hawkBit 1.x) are kept but
 * ignored.
 *
 * @param config the polling advice, may be null
 * @param links  links by relation; empty when there are none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiControllerBase(
        @JsonProperty("config") DdiConfig config,
        @JsonProperty("_links") Map<String, DdiLink> links) {

    /** An update action is waiting: fetch it. */
    public static final String DEPLOYMENT_BASE = "deploymentBase";
    /** The server asks to cancel an action. */
    public static final String CANCEL_ACTION = "cancelAction";
    /** The server asks for the device's attributes ("PUT configData now"). */
    public static final String CONFIG_DATA = "configData";

    public DdiControllerBase {
        links = links == null ? Map.of() : Map.copyOf(links);
    }

    /** The link with relation {@code rel}. */
    public Optional<DdiLink> link(String rel) {
        return Optional.ofNullable(links.get(rel));
    }

    /** The shortest sleep taken from a server: {@code 00:00:00} would make the agent poll without pause. */
    public static final Duration MIN_SLEEP = Duration.ofSeconds(1);

    /**
     * The server's sleep (at least {@link #MIN_SLEEP}), or {@code fallback} when it gives none or an unreadable
     * one.
     */
    public Duration sleep(Duration fallback) {
        if (config == null || config.polling() == null) {
            return fallback;
        }
        try {
            Duration d = config.polling().duration();
            return d.compareTo(MIN_SLEEP) < 0 ? MIN_SLEEP : d;
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }
}
