package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against the real barebox-state, on a state image (see {@link BareboxStateFixture}). */
class BareboxStateAdapterTest extends BootloaderAdapterContract {

    @TempDir
    Path dir;

    BareboxStateFixture state;

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() throws Exception {
        state = BareboxStateFixture.create(dir);
        return reopen();
    }

    @Override
    protected BootloaderAdapter reopen() {
        return new BareboxStateAdapter(state.command(), null, List.of("A", "B"), 1);
    }

    @Override
    protected List<Path> storage() {
        return List.of(state.image);
    }

    @Override
    protected String expectedName() {
        return "barebox";
    }

    String get(String var) {
        return state.run("-g", var).strip();
    }

    @Test
    void tryOnceGivesTheSlotTopPriorityAndLowersTheOthers() {
        adapter.setTryOnce("B");
        assertThat(get("bootstate.B.priority")).isEqualTo("20");
        assertThat(get("bootstate.B.remaining_attempts")).isEqualTo("1");
        assertThat(get("bootstate.A.priority")).isEqualTo("10");
    }

    @Test
    void markBadDisablesTheTarget() {
        adapter.setTryOnce("B");
        adapter.markBad("B");
        assertThat(get("bootstate.B.priority")).isEqualTo("0");
        assertThat(get("bootstate.B.remaining_attempts")).isEqualTo("0");
    }

    @Test
    void readsWhatBareboxStateWrote() {
        state.run("-s", "bootstate.B.priority=30", "-s", "bootstate.B.remaining_attempts=2");
        assertThat(reopen().primary()).contains("B");
        assertThat(reopen().state("B")).isEqualTo(new BootSlotState("B", true, 2));
    }

    @Test
    void rearmRestoresTheAttemptsBootchooserSpent() {
        state.run("-s", "bootstate.A.remaining_attempts=0");
        assertThat(adapter.state("A").bootable()).isFalse();
        adapter.rearm("A");
        assertThat(get("bootstate.A.remaining_attempts")).isEqualTo("1");
    }

    @Test
    void usesTheConfiguredStateName() {
        BareboxStateAdapter named = new BareboxStateAdapter(state.command(), "state", List.of("A", "B"), 1);
        assertThat(named.primary()).contains("A");
        BareboxStateAdapter wrong = new BareboxStateAdapter(state.command(), "nosuch", List.of("A", "B"), 1);
        assertThatThrownBy(wrong::primary).isInstanceOf(BootloaderException.class).hasMessageContaining("nosuch");
    }

    @Test
    void reportsAVariableTheStateLacks() {
        BareboxStateAdapter other = new BareboxStateAdapter(state.command(), null, List.of("A", "C"), 1);
        assertThatThrownBy(other::primary).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("no such variable: bootstate.C");
    }
}
