package dev.tandem.agent.feed;

import dev.tandem.agent.DownloadPolicy;
import java.util.Optional;

/**
 * Whether the feed agent may download now: asked before an install starts and at every progress tick while it
 * runs (a refusal then stops the install through its cancel; the installer's journal keeps what was written, so
 * the next start resumes). Network and user policy (metered links, download windows, a pause) plug in here.
 */
@FunctionalInterface
public interface DownloadGate {

    /** Empty to go ahead; otherwise why not, as one line ("the link is metered"). */
    Optional<String> refusal();

    /** Always allows. */
    DownloadGate ALWAYS = Optional::empty;

    /** The device's download policy ([download] windows, metered links, {@code tandem agent pause}). */
    static DownloadGate of(DownloadPolicy policy) {
        return () -> {
            DownloadPolicy.Verdict v = policy.check();
            return v.allowed() ? Optional.empty() : Optional.of(v.describe());
        };
    }
}
