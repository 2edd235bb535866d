package dev.tandem.install;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * The install as an explicit state machine (STYLE "The install as an explicit state machine"). Each state is one
 * step of {@link InstallSteps} that does one job and returns an outcome; the whole flow is the table below, so a
 * change to the order of things is a change to this table and its test.
 *
 * <p>Safety order (ARCHITECTURE.md §1, §4): the target is marked unbootable before its first byte changes; only verified
 * chunks are written; the image is checked and recorded before try-once is set. A failure anywhere leaves the
 * old slot primary and the target marked bad.
 */
final class InstallFlow {

    /** The states, in the order a successful install passes them. */
    enum State {
        VERIFY_MANIFEST, CHECK_POLICY, PLAN, MARK_TARGET_WRITING, STREAM, CHECK, INSTALLED, ACTIVATED, DONE
    }

    /** What a step reports. */
    enum Outcome {
        /** Go on. */
        NEXT,
        /** Installed, but asked not to activate ({@code --no-activate}). */
        STOP_INSTALLED
    }

    /** from → (outcome → to). */
    static final Map<State, Map<Outcome, State>> TRANSITIONS = new EnumMap<>(State.class);

    static {
        on(State.VERIFY_MANIFEST, Outcome.NEXT, State.CHECK_POLICY);
        on(State.CHECK_POLICY, Outcome.NEXT, State.PLAN);
        on(State.PLAN, Outcome.NEXT, State.MARK_TARGET_WRITING);
        on(State.MARK_TARGET_WRITING, Outcome.NEXT, State.STREAM);
        on(State.STREAM, Outcome.NEXT, State.CHECK);
        on(State.CHECK, Outcome.NEXT, State.INSTALLED);
        on(State.INSTALLED, Outcome.NEXT, State.ACTIVATED);
        on(State.INSTALLED, Outcome.STOP_INSTALLED, State.DONE);
        on(State.ACTIVATED, Outcome.NEXT, State.DONE);
    }

    private static void on(State from, Outcome outcome, State to) {
        TRANSITIONS.computeIfAbsent(from, k -> new EnumMap<>(Outcome.class)).put(outcome, to);
    }

    private InstallFlow() {
    }

    /** Runs the flow from the first state to DONE. */
    static void run(InstallContext ctx) throws IOException {
        State state = State.VERIFY_MANIFEST;
        while (state != State.DONE) {
            ctx.progress.phase(phaseOf(state), "");
            Outcome outcome = switch (state) {
                case VERIFY_MANIFEST -> InstallSteps.verifyManifest(ctx);
                case CHECK_POLICY -> InstallSteps.checkPolicy(ctx);
                case PLAN -> InstallSteps.plan(ctx);
                case MARK_TARGET_WRITING -> InstallSteps.markTargetWriting(ctx);
                case STREAM -> InstallSteps.stream(ctx);
                case CHECK -> InstallSteps.check(ctx);
                case INSTALLED -> InstallSteps.installed(ctx);
                case ACTIVATED -> InstallSteps.activate(ctx);
                case DONE -> throw new IllegalStateException("DONE has no step");
            };
            State next = TRANSITIONS.get(state).get(outcome);
            if (next == null) {
                throw new IllegalStateException("no transition from " + state + " on " + outcome);
            }
            state = next;
        }
    }

    private static InstallPhase phaseOf(State s) {
        return InstallPhase.valueOf(s.name());
    }
}
