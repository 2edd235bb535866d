package dev.tandem.agent.standalone;

import dev.tandem.errors.ErrorMessages;
import dev.tandem.agent.InstallFailure;
import dev.tandem.agent.managed.BundleArtifact;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.FileSource;
import dev.tandem.install.CandidateGate;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.policy.SemVer;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the bundle to install among the {@code *.tandem} files in the root and the {@code updates/} folder of a
 * place (ARCHITECTURE.md §7). Each is opened up to its manifest only and passes the install's own {@link CandidateGate}
 * (signature, expiry, min-tandem-version, install policy), and a bundle already installed and waiting for its
 * reboot is passed over. The valid ones are ranked by SemVer, highest first, never by file name.
 */
final class BundleScanner {

    private final DeviceSlots slots;
    private final CandidateGate gate;
    private final Consumer<String> out;

    /** @param out receives one line per file passed over, with the reason */
    BundleScanner(DeviceSlots slots, Clock clock, Consumer<String> out) {
        this.slots = slots;
        this.gate = new CandidateGate(slots, clock);
        // Lines carry names from the medium (file names, labels): no control character gets through.
        this.out = line -> out.accept(ErrorMessages.printable(line));
    }

    /**
     * Bundle files looked at per place. A medium is hostile input: each file costs a signature check (up to the
     * pki budget), and the listing runs at every scan interval for the fingerprint, so 10,000 files on a stick
     * would keep the agent busy for hours. Real media carry one bundle, or a few versions.
     */
    static final int MAX_FILES_PER_PLACE = 32;
    /** Directory entries read per folder, bundles or not: a folder of millions of entries is listed no further. */
    static final int MAX_ENTRIES_PER_DIR = 4096;

    /**
     * The {@code *.tandem} files of {@code place}: its root and {@code updates/}, in name order, the first
     * {@value #MAX_FILES_PER_PLACE} only (of the first {@value #MAX_ENTRIES_PER_DIR} entries of each folder).
     */
    static List<Path> files(Path place) {
        List<Path> found = new ArrayList<>();
        for (Path dir : List.of(place, place.resolve("updates"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            int entries = 0;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                for (Path p : s) {
                    if (++entries > MAX_ENTRIES_PER_DIR) {
                        break;
                    }
                    String name = p.getFileName().toString();
                    if (!name.startsWith(".") && name.toLowerCase(Locale.ROOT).endsWith(BundleArtifact.SUFFIX)
                            && Files.isRegularFile(p)) {
                        found.add(p);
                    }
                }
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                // A medium pulled while listing: nothing more to find there.
            }
        }
        found.sort(Comparator.naturalOrder());
        return found.size() > MAX_FILES_PER_PLACE ? List.copyOf(found.subList(0, MAX_FILES_PER_PLACE)) : found;
    }

    /** The valid bundles in {@code places}, newest first (equal versions in file order). */
    List<BundleCandidate> ranked(List<Path> places) {
        List<BundleCandidate> valid = new ArrayList<>();
        for (Path place : places) {
            for (Path file : files(place)) {
                inspect(file).ifPresent(valid::add);
            }
        }
        valid.sort((a, b) -> b.version().compareTo(a.version()));
        return valid;
    }

    private static Path spillDir(SystemConfig cfg) throws IOException {
        return Files.createDirectories(cfg.dataDir().resolve("tmp"));
    }

    /**
     * Checks one file through the install's own {@link CandidateGate}; a file passed over gets a line saying why,
     * and the scan goes on with the next (an expired newest bundle never hides a valid older one).
     */
    Optional<BundleCandidate> inspect(Path file) {
        Candidate candidate;
        try (FileSource source = FileSource.open(file);
             BundleReader reader = gate.open(source, spillDir(slots.config()))) {
            candidate = CandidateGate.candidateOf(reader);
        } catch (IOException | RuntimeException e) {
            out.accept("skipped " + file + ": " + InstallFailure.oneLine(e));
            return Optional.empty();
        }
        try {
            if (waitingForReboot(candidate)) {
                out.accept("skipped " + file + " (" + candidate.version() + "): already installed in "
                        + slots.targetGroup().get(0).name() + ", waiting for the reboot");
                return Optional.empty();
            }
            // Slot sizes are checked by the install itself, on the opened devices.
            gate.admit(candidate, InstallOptions.defaults(), s -> Long.MAX_VALUE);
        } catch (PolicyException e) {
            out.accept("skipped " + file + " (" + candidate.version() + "): " + e.getMessage());
            return Optional.empty();
        }
        return Optional.of(new BundleCandidate(file, candidate.bundleId(), SemVer.parse(candidate.version())));
    }

    /**
     * Whether every slot {@code candidate} writes already holds it, installed or pending. Only those slots tell: a
     * bundle for some classes leaves the group's other slots as they were. False when it has no targets here
     * (the policy then says why).
     */
    private boolean waitingForReboot(Candidate candidate) {
        List<ImageTarget> targets;
        try {
            targets = slots.targetsFor(candidate);
        } catch (PolicyException e) {
            return false;
        }
        DeviceStatus status = slots.current();
        return targets.stream().map(t -> status.slot(t.slot().name())).allMatch(t ->
                candidate.bundleId().equals(t.bundleId())
                        && (t.state() == SlotState.PENDING || t.state() == SlotState.INSTALLED));
    }
}
