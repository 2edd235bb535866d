package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.install.InstallFlow.Outcome;
import dev.tandem.install.InstallFlow.State;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InstallFlowTest {

    /** The states a walk from {@code from} can reach without passing {@code avoid}. */
    private static Set<State> reachable(State from, State avoid) {
        Set<State> seen = EnumSet.of(from);
        ArrayDeque<State> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            for (State to : InstallFlow.TRANSITIONS.getOrDefault(todo.pop(), Map.of()).values()) {
                if (to != avoid && seen.add(to)) {
                    todo.add(to);
                }
            }
        }
        return seen;
    }

    private static List<State> walk(Outcome... outcomes) {
        List<State> states = new ArrayList<>();
        State s = State.VERIFY_MANIFEST;
        states.add(s);
        for (Outcome o : outcomes) {
            s = InstallFlow.next(s, o);
            states.add(s);
        }
        return states;
    }

    @Test
    void everyStateButDoneHasAStepAndEveryStateIsReachable() {
        for (State s : State.values()) {
            assertThat(InstallFlow.TRANSITIONS.containsKey(s)).as(s.name()).isEqualTo(s != State.DONE);
        }
        assertThat(reachable(State.VERIFY_MANIFEST, null)).containsExactlyInAnyOrder(State.values());
    }

    @Test
    void everyStateLeadsToDone() {
        for (State s : State.values()) {
            assertThat(reachable(s, null)).as("from " + s).contains(State.DONE);
        }
    }

    @Test
    void aFreshInstallOfOneImageWalksTheTable() {
        assertThat(walk(Outcome.NEXT, Outcome.NEXT, Outcome.FRESH, Outcome.NEXT, Outcome.NEXT, Outcome.NEXT,
                Outcome.NEXT, Outcome.NEXT, Outcome.NEXT, Outcome.NEXT, Outcome.NO_MORE_IMAGES, Outcome.NEXT,
                Outcome.NEXT, Outcome.NEXT)).containsExactly(State.VERIFY_MANIFEST, State.CHECK_POLICY,
                State.CHOOSE_START, State.START_FRESH, State.MARK_TARGET_WRITING, State.NEXT_IMAGE,
                State.PLAN_ROUTES, State.STREAM, State.SYNC, State.CHECK_IMAGE, State.NEXT_IMAGE,
                State.FINISH_BUNDLE, State.INSTALLED, State.ACTIVATED, State.DONE);
    }

    @Test
    void aResumeSkipsTheFreshStartAndStillMarksTheTargetBeforeWriting() {
        assertThat(walk(Outcome.NEXT, Outcome.NEXT, Outcome.RESUMABLE, Outcome.NEXT)).endsWith(State.RESUME,
                State.MARK_TARGET_WRITING);
    }

    @Test
    void eachImageIsPlannedStreamedSyncedAndCheckedBeforeTheNextTableIsRead() {
        State s = State.NEXT_IMAGE;
        List<State> perImage = new ArrayList<>();
        for (int image = 0; image < 2; image++) {
            do {
                s = InstallFlow.next(s, Outcome.NEXT);
                perImage.add(s);
            } while (s != State.NEXT_IMAGE);
        }
        assertThat(perImage).containsExactly(State.PLAN_ROUTES, State.STREAM, State.SYNC, State.CHECK_IMAGE,
                State.NEXT_IMAGE, State.PLAN_ROUTES, State.STREAM, State.SYNC, State.CHECK_IMAGE, State.NEXT_IMAGE);
        assertThat(InstallFlow.next(State.NEXT_IMAGE, Outcome.NO_MORE_IMAGES)).isEqualTo(State.FINISH_BUNDLE);
    }

    @Test
    void safetyOrderNoPathSkipsAGuard() {
        // Nothing is streamed before the target is marked writing; nothing is checked before it was synced;
        // nothing is activated before it was recorded installed; the start is chosen before anything is written.
        assertThat(reachable(State.VERIFY_MANIFEST, State.MARK_TARGET_WRITING)).doesNotContain(State.STREAM);
        assertThat(reachable(State.VERIFY_MANIFEST, State.SYNC)).doesNotContain(State.CHECK_IMAGE);
        assertThat(reachable(State.VERIFY_MANIFEST, State.STREAM)).doesNotContain(State.SYNC);
        assertThat(reachable(State.VERIFY_MANIFEST, State.INSTALLED)).doesNotContain(State.ACTIVATED);
        assertThat(reachable(State.VERIFY_MANIFEST, State.FINISH_BUNDLE)).doesNotContain(State.INSTALLED);
        assertThat(reachable(State.VERIFY_MANIFEST, State.CHECK_POLICY)).doesNotContain(State.MARK_TARGET_WRITING);
        assertThat(reachable(State.VERIFY_MANIFEST, State.CHOOSE_START)).doesNotContain(State.MARK_TARGET_WRITING);
    }

    @Test
    void noActivateStopsAtInstalled() {
        assertThat(InstallFlow.next(State.INSTALLED, Outcome.STOP_INSTALLED)).isEqualTo(State.DONE);
    }

    @Test
    void phasesReportedToListenersNeverGoBackwardsBetweenImages() {
        List<State> fresh = walk(Outcome.NEXT, Outcome.NEXT, Outcome.FRESH, Outcome.NEXT, Outcome.NEXT, Outcome.NEXT,
                Outcome.NEXT, Outcome.NEXT, Outcome.NEXT, Outcome.NEXT, Outcome.NO_MORE_IMAGES, Outcome.NEXT,
                Outcome.NEXT, Outcome.NEXT);
        for (int k = 1; k < fresh.size() - 1; k++) {
            State prev = fresh.get(k - 1);
            State s = fresh.get(k);
            if (prev != State.CHECK_IMAGE) {
                assertThat(s.phase.ordinal()).as(prev + " -> " + s).isGreaterThanOrEqualTo(prev.phase.ordinal());
            }
        }
        for (State s : State.values()) {
            assertThat(s.phase == null).as(s.name()).isEqualTo(s == State.DONE);
        }
    }

    @Test
    void anOutcomeAStateDoesNotExpectIsABug() {
        assertThatThrownBy(() -> InstallFlow.next(State.STREAM, Outcome.NO_MORE_IMAGES))
                .isInstanceOf(IllegalStateException.class).hasMessage("no transition from STREAM on NO_MORE_IMAGES");
        assertThatThrownBy(() -> InstallFlow.next(State.DONE, Outcome.NEXT)).isInstanceOf(IllegalStateException.class);
    }
}
