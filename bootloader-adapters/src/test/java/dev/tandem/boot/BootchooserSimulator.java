package dev.tandem.boot;

import java.util.List;

/**
 * barebox's bootchooser over the real barebox-state: the enabled target (priority > 0) with the highest
 * priority and attempts left boots (ties: the first listed), after its remaining_attempts is decremented and
 * saved. With {@code global.bootchooser.reset_attempts = "all-zero"} (as configured here), when every target
 * is at zero, all get {@code default_attempts} (3) again first.
 */
final class BootchooserSimulator implements BootSimulator {

    private static final List<String> TARGETS = List.of("A", "B");
    private static final int DEFAULT_ATTEMPTS = 3;

    private final BareboxStateFixture state;

    BootchooserSimulator(BareboxStateFixture state) {
        this.state = state;
    }

    @Override
    public String powerOn() {
        long[] prio = new long[2];
        long[] left = new long[2];
        for (int i = 0; i < 2; i++) {
            String[] v = state.run("-g", "bootstate." + TARGETS.get(i) + ".priority",
                    "-g", "bootstate." + TARGETS.get(i) + ".remaining_attempts").strip().split("\\s+");
            prio[i] = Long.parseLong(v[0]);
            left[i] = Long.parseLong(v[1]);
        }
        if (left[0] == 0 && left[1] == 0) {
            state.run("-s", "bootstate.A.remaining_attempts=" + DEFAULT_ATTEMPTS,
                    "-s", "bootstate.B.remaining_attempts=" + DEFAULT_ATTEMPTS);
            left[0] = DEFAULT_ATTEMPTS;
            left[1] = DEFAULT_ATTEMPTS;
        }
        int best = -1;
        for (int i = 0; i < 2; i++) {
            if (prio[i] > 0 && left[i] > 0 && (best < 0 || prio[i] > prio[best])) {
                best = i;
            }
        }
        if (best < 0) {
            throw new AssertionError("bootchooser: no bootable target");
        }
        String t = TARGETS.get(best);
        state.run("-s", "bootstate." + t + ".remaining_attempts=" + (left[best] - 1),
                "-s", "bootstate.last_chosen=" + (best + 1));
        return t;
    }
}
