package dev.tandem.agent;

import java.time.Clock;
import java.time.Duration;

/**
 * Timing of the agent that system.toml does not carry: sensible fixed values on a device, shorter ones in tests.
 *
 * @param defaultPollInterval  poll interval until the server names one ({@code config.polling.sleep})
 * @param progressInterval     at most one progress feedback per this (hawkBit keeps every one in the history)
 * @param backoffBase          first wait after a failed request; doubles per failure, with jitter
 * @param backoffMax           cap of that wait
 * @param statusInterval       how often the agent looks again at slot states it waits for (boot-check's verdict)
 * @param rebootWait           how long after running the reboot command the agent takes the reboot as failed
 *                             and runs it again
 * @param cancelWait           how long a cancel waits for the install to stop on its own before interrupting it
 * @param maxInstallAttempts   install starts of one action (crashes and transient failures included) before the
 *                             agent gives up and reports failure: a loop guard, like Mender's state-store counter
 * @param mediaScanInterval    standalone mode: how often mounts and directories are looked at
 * @param clock                the clock for feedback timestamps and the journal
 */
public record AgentSettings(
        Duration defaultPollInterval,
        Duration progressInterval,
        Duration backoffBase,
        Duration backoffMax,
        Duration statusInterval,
        Duration rebootWait,
        Duration cancelWait,
        int maxInstallAttempts,
        Duration mediaScanInterval,
        Clock clock) {

    /** The values for a device. */
    public static AgentSettings defaults() {
        return new AgentSettings(Duration.ofMinutes(5), Duration.ofSeconds(15), Duration.ofSeconds(5),
                Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(10), 20,
                Duration.ofSeconds(2), Clock.systemUTC());
    }

    /** All intervals at {@code interval}, backoff capped at eight times it: for tests against a real server. */
    public AgentSettings withFastTiming(Duration interval) {
        return new AgentSettings(interval, interval, interval.dividedBy(4), interval.multipliedBy(8), interval,
                interval.multipliedBy(30), interval.multipliedBy(5), maxInstallAttempts, interval, clock);
    }
}
