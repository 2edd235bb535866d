package dev.tandem.install;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * The install as an explicit state machine. Each state is one step of {@link InstallSteps} that does one job and
 * returns an outcome; the whole flow is the table below, so a change to the order of things is a change to this
 * table and to {@code InstallFlowTest}.
 *
 * <p>The states from NEXT_IMAGE to CHECK_IMAGE run once per image, in bundle order, because the format is read
 * front to back: an image's chunk table follows the previous image's data, so the next image cannot be planned
 * before the previous one has been streamed. Whether the install starts fresh or resumes an interrupted one is
 * decided once, in CHOOSE_START.
 *
 * <p>Safety order (ARCHITECTURE.md §1, §4): the target is marked unbootable before its first byte changes; only
 * verified chunks are written; each image is synced and proved whole (every chunk written after its check; read
 * back against its signed SHA-256 after a resume) before the next, and all are recorded before try-once is set. A failure anywhere leaves the old slot primary and the target marked bad.
 */
final class InstallFlow {

    /** The states, in the order a successful install passes them, with the phase each reports. */
    enum State {
        VERIFY_MANIFEST(InstallPhase.VERIFY_MANIFEST),
        CHECK_POLICY(InstallPhase.CHECK_POLICY),
        /** Fresh install or resume of an interrupted one (the journal decides). */
        CHOOSE_START(InstallPhase.PLAN),
        START_FRESH(InstallPhase.PLAN),
        RESUME(InstallPhase.PLAN),
        MARK_TARGET_WRITING(InstallPhase.MARK_TARGET_WRITING),
        /** Reads the next image's chunk table from the bundle, or finds there is none. */
        NEXT_IMAGE(InstallPhase.STREAM),
        /** Where each chunk of the image comes from (ChunkRoutes). */
        PLAN_ROUTES(InstallPhase.STREAM),
        STREAM(InstallPhase.STREAM),
        SYNC(InstallPhase.SYNC),
        /** The image on the target is whole (a resume: read back against its signed SHA-256); tables saved, journal complete. */
        CHECK_IMAGE(InstallPhase.CHECK),
        /** The container must end cleanly after the last image. */
        FINISH_BUNDLE(InstallPhase.CHECK),
        INSTALLED(InstallPhase.INSTALLED),
        ACTIVATED(InstallPhase.ACTIVATED),
        DONE(null);

        final InstallPhase phase;

        State(InstallPhase phase) {
            this.phase = phase;
        }
    }

    /** What a step reports. */
    enum Outcome {
        /** Go on. */
        NEXT,
        /** No journal for this bundle and these targets: start from the first chunk. */
        FRESH,
        /** An interrupted install of this bundle: go on from the journal's done-below. */
        RESUMABLE,
        /** The bundle has no more images. */
        NO_MORE_IMAGES,
        /** Installed, but asked not to activate ({@code --no-activate}). */
        STOP_INSTALLED
    }

    /** from → (outcome → to). */
    static final Map<State, Map<Outcome, State>> TRANSITIONS = new EnumMap<>(State.class);

    static {
        on(State.VERIFY_MANIFEST, Outcome.NEXT, State.CHECK_POLICY);
        on(State.CHECK_POLICY, Outcome.NEXT, State.CHOOSE_START);
        on(State.CHOOSE_START, Outcome.FRESH, State.START_FRESH);
        on(State.CHOOSE_START, Outcome.RESUMABLE, State.RESUME);
        on(State.START_FRESH, Outcome.NEXT, State.MARK_TARGET_WRITING);
        on(State.RESUME, Outcome.NEXT, State.MARK_TARGET_WRITING);
        on(State.MARK_TARGET_WRITING, Outcome.NEXT, State.NEXT_IMAGE);
        on(State.NEXT_IMAGE, Outcome.NEXT, State.PLAN_ROUTES);
        on(State.NEXT_IMAGE, Outcome.NO_MORE_IMAGES, State.FINISH_BUNDLE);
        on(State.PLAN_ROUTES, Outcome.NEXT, State.STREAM);
        on(State.STREAM, Outcome.NEXT, State.SYNC);
        on(State.SYNC, Outcome.NEXT, State.CHECK_IMAGE);
        on(State.CHECK_IMAGE, Outcome.NEXT, State.NEXT_IMAGE);
        on(State.FINISH_BUNDLE, Outcome.NEXT, State.INSTALLED);
        on(State.INSTALLED, Outcome.NEXT, State.ACTIVATED);
        on(State.INSTALLED, Outcome.STOP_INSTALLED, State.DONE);
        on(State.ACTIVATED, Outcome.NEXT, State.DONE);
    }

    private static void on(State from, Outcome outcome, State to) {
        TRANSITIONS.computeIfAbsent(from, k -> new EnumMap<>(Outcome.class)).put(outcome, to);
    }

    private InstallFlow() {
    }

    /** The state after {@code state} on {@code outcome}; an outcome the table does not expect there is a bug. */
    static State next(State state, Outcome outcome) {
        State next = TRANSITIONS.getOrDefault(state, Map.of()).get(outcome);
        if (next == null) {
            throw new IllegalStateException("no transition from " + state + " on " + outcome);
        }
        return next;
    }

    /** Runs the flow from the first state to DONE. */
    static void run(InstallContext ctx) throws IOException {
        State state = State.VERIFY_MANIFEST;
        String reported = null;
        try {
            while (state != State.DONE) {
                // Listeners see phases, not states: one event where consecutive states share phase and detail.
                String detail = detail(state, ctx);
                if (!(state.phase + detail).equals(reported)) {
                    reported = state.phase + detail;
                    ctx.progress.phase(state.phase, detail);
                }
                Outcome outcome = switch (state) {
                    case VERIFY_MANIFEST -> InstallSteps.verifyManifest(ctx);
                    case CHECK_POLICY -> InstallSteps.checkPolicy(ctx);
                    case CHOOSE_START -> InstallSteps.chooseStart(ctx);
                    case START_FRESH -> InstallSteps.startFresh(ctx);
                    case RESUME -> InstallSteps.resume(ctx);
                    case MARK_TARGET_WRITING -> InstallSteps.markTargetWriting(ctx);
                    case NEXT_IMAGE -> InstallSteps.nextImage(ctx);
                    case PLAN_ROUTES -> InstallSteps.planRoutes(ctx);
                    case STREAM -> InstallSteps.stream(ctx);
                    case SYNC -> InstallSteps.sync(ctx);
                    case CHECK_IMAGE -> InstallSteps.checkImage(ctx);
                    case FINISH_BUNDLE -> InstallSteps.finishBundle(ctx);
                    case INSTALLED -> InstallSteps.installed(ctx);
                    case ACTIVATED -> InstallSteps.activate(ctx);
                    case DONE -> throw new IllegalStateException("DONE has no step");
                };
                state = next(state, outcome);
            }
        } catch (IOException | RuntimeException | Error e) {
            // A failed image leaves its target and tables open: closed here, the tables not committed.
            if (ctx.image != null) {
                try {
                    ctx.image.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    /** What the phase of {@code state} reports besides its name: the image it works on, where it has one. */
    private static String detail(State state, InstallContext ctx) {
        return switch (state) {
            case PLAN_ROUTES, STREAM -> ctx.image.image.name() + " -> " + ctx.image.slot.name();
            case SYNC, CHECK_IMAGE -> ctx.image.image.name();
            default -> "";
        };
    }
}
