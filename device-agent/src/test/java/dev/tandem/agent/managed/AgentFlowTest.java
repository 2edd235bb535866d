package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.agent.AgentState;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentFlowTest {

    @Test
    void everyStateHasTransitionsAndAnErrorTransition() {
        for (AgentState s : AgentState.values()) {
            assertThat(AgentFlow.TRANSITIONS).as(s.name()).containsKey(s);
            assertThat(AgentFlow.TRANSITIONS.get(s)).as(s + " on ERROR: a failing step must lead somewhere")
                    .containsKey(AgentEvent.ERROR);
        }
    }

    @Test
    void everyPersistedStateResumesAndNothingElseDoes() {
        for (AgentState s : AgentState.values()) {
            if (s.persisted()) {
                assertThat(AgentFlow.RESUME).as(s.name()).containsKey(s);
            } else {
                assertThatThrownBy(() -> AgentFlow.resume(s)).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void anInterruptedInstallResumesAtThePollSoTheServerDecides() {
        assertThat(AgentFlow.resume(AgentState.INSTALL)).isEqualTo(AgentState.IDLE);
        assertThat(AgentFlow.resume(AgentState.REBOOT)).isEqualTo(AgentState.VERIFY_BOOT);
        assertThat(AgentFlow.resume(AgentState.REPORT)).isEqualTo(AgentState.REPORT);
    }

    @Test
    void everyStateIsReachableFromIdle() {
        Set<AgentState> seen = EnumSet.of(AgentState.IDLE);
        ArrayDeque<AgentState> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            for (AgentState to : AgentFlow.TRANSITIONS.get(todo.pop()).values()) {
                if (seen.add(to)) {
                    todo.add(to);
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(AgentState.values());
    }

    @Test
    void everyStateLeadsBackToIdle() {
        for (AgentState start : AgentState.values()) {
            Set<AgentState> seen = EnumSet.of(start);
            ArrayDeque<AgentState> todo = new ArrayDeque<>(seen);
            while (!todo.isEmpty()) {
                for (AgentState to : AgentFlow.TRANSITIONS.get(todo.pop()).values()) {
                    if (seen.add(to)) {
                        todo.add(to);
                    }
                }
            }
            assertThat(seen).as("from " + start).contains(AgentState.IDLE);
        }
    }

    @Test
    void eventsThatEndTheActionLeadToIdle() {
        for (Map.Entry<AgentState, Map<AgentEvent, AgentState>> row : AgentFlow.TRANSITIONS.entrySet()) {
            row.getValue().forEach((event, to) -> {
                if (event.endsAction()) {
                    assertThat(to).as(row.getKey() + " on " + event).isEqualTo(AgentState.IDLE);
                }
            });
        }
    }

    @Test
    void theFinalResultIsAlwaysSentFromThePersistedReportState() {
        for (Map.Entry<AgentState, Map<AgentEvent, AgentState>> row : AgentFlow.TRANSITIONS.entrySet()) {
            row.getValue().forEach((event, to) -> {
                if (event == AgentEvent.FAILED || event == AgentEvent.SUCCEEDED) {
                    assertThat(to).as(row.getKey() + " on " + event).isEqualTo(AgentState.REPORT);
                }
            });
        }
        assertThat(AgentState.REPORT.persisted()).isTrue();
    }

    @Test
    void aSuccessfulUpdateWalksTheTable() {
        AgentState s = AgentState.IDLE;
        for (AgentEvent e : new AgentEvent[] {AgentEvent.DEPLOYMENT, AgentEvent.START, AgentEvent.STARTED,
                AgentEvent.WAIT, AgentEvent.ACTIVATED, AgentEvent.REBOOT_REQUESTED, AgentEvent.SUCCEEDED,
                AgentEvent.REPORTED}) {
            s = AgentFlow.next(s, e);
        }
        assertThat(s).isEqualTo(AgentState.IDLE);
    }

    @Test
    void aMaintenanceWindowAndACancelWalkTheTable() {
        AgentState s = AgentFlow.next(AgentState.INSTALLING, AgentEvent.INSTALLED);
        assertThat(s).isEqualTo(AgentState.AWAIT_WINDOW);
        assertThat(AgentFlow.next(s, AgentEvent.WINDOW_OPEN)).isEqualTo(AgentState.ACTIVATE);
        assertThat(AgentFlow.next(AgentState.ACTIVATE, AgentEvent.ACTIVATED)).isEqualTo(AgentState.REBOOT);
        assertThat(AgentFlow.next(AgentFlow.next(AgentState.INSTALLING, AgentEvent.CANCEL), AgentEvent.CLEANED))
                .isEqualTo(AgentState.CONFIRM_CANCEL);
    }

    @Test
    void anEventAStateDoesNotExpectIsABug() {
        assertThatThrownBy(() -> AgentFlow.next(AgentState.REPORT, AgentEvent.START))
                .isInstanceOf(IllegalStateException.class).hasMessage("no transition from REPORT on START");
    }
}
