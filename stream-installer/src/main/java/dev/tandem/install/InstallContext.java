package dev.tandem.install;

import dev.tandem.storage.DurableFile;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.InstallOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the install steps share: what was given, and what earlier steps found out. Passed to every step
 * of {@link InstallFlow}; no step reaches for global state.
 */
final class InstallContext {

    final DeviceSlots slots;
    final InstallOptions options;
    final InstallSettings settings;
    final BundleSource source;
    final ProgressTracker progress;
    final SavedTables tables;
    final DurableFile journalFile;
    final Path tmpDir;
    final TargetOpener opener;
    final CandidateGate gate;

    /** Set by VERIFY_MANIFEST. */
    BundleReader reader;
    /** Set by CHECK_POLICY. */
    Candidate candidate;
    List<ImageTarget> targets;
    /** Set by CHOOSE_START (the old journal) and START_FRESH or RESUME; follows every sync. */
    InstallJournal journal;
    /** Set by RESUME. */
    boolean resumed;
    /** Set by START_FRESH: what the targets held before, for in-place checks. */
    final Map<String, SavedTables.SavedChunks> targetBefore = new HashMap<>();
    /** The image between NEXT_IMAGE and CHECK_IMAGE, or null. */
    ImageRun image;
    /** Filled by CHECK_IMAGE. */
    final List<InstallResult.ImageResult> results = new ArrayList<>();
    boolean activated;

    InstallContext(DeviceSlots slots, InstallOptions options, InstallSettings settings, BundleSource source,
                   InstallListener listener, TargetOpener opener) {
        this.slots = slots;
        this.options = options;
        this.settings = settings;
        this.source = source;
        this.progress = new ProgressTracker(listener, 0);
        Path dataDir = slots.config().dataDir();
        this.tables = opener.tables(dataDir.resolve("slots"));
        this.journalFile = opener.durable(dataDir.resolve("install.json"));
        this.tmpDir = dataDir.resolve("tmp");
        this.opener = opener;
        this.gate = new CandidateGate(slots, settings.clock());
    }
}
