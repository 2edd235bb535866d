package dev.tandem.agent.feed;

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
}
