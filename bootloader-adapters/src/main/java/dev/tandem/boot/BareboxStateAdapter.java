package dev.tandem.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * barebox's bootchooser, whose state lives in a barebox-state variable set reached through the {@code
 * barebox-state} tool (dt-utils). Each slot is a bootchooser target named by its bootname with two variables:
 * {@code bootstate.<x>.priority} (0: disabled; the highest enabled priority boots first) and {@code
 * bootstate.<x>.remaining_attempts} (decremented by bootchooser on every boot; 0: skipped). {@code
 * barebox-state-name} selects the state ({@code -n}; default: the tool's, {@code state}).
 *
 * <p>try-once and mark-good give the slot priority {@value #PRIMARY_PRIORITY} and {@code boot-attempts}
 * attempts and lower every other enabled slot to {@value #OTHER_PRIORITY} (RAUC's values, so either tool reads
 * the other's state the same way); mark-bad sets priority and attempts to 0; re-arm restores the attempts when
 * they differ. Reads are one {@code barebox-state -g …} call, writes one {@code -s …} call, so barebox-state
 * stores all changes of one operation in one save; it writes its own redundant, checksummed buckets, and nothing
 * is written when nothing changes.
 */
public final class BareboxStateAdapter extends ArmedOrderAdapter {

    static final int PRIMARY_PRIORITY = 20;
    static final int OTHER_PRIORITY = 10;

    /** How long one barebox-state call may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** One target's two variables. */
    record Target(long priority, long remainingAttempts) {
        boolean bootable() {
            return priority > 0 && remainingAttempts > 0;
        }
    }

    private final List<String> command;
    private final String stateName;
    private final List<String> bootnames;
    private final int attempts;
    private final CommandRunner runner;

    /**
     * @param command      how to run barebox-state: {@code ["barebox-state"]}, or with extra leading options
     *                     such as {@code --input <dtb>}
     * @param stateName    the state to use ({@code -n}), null for barebox-state's default
     * @param bootnames    the bootchooser target names of the slots, in config order
     * @param bootAttempts attempts granted by try-once, mark-good and re-arm
     */
    public BareboxStateAdapter(List<String> command, String stateName, List<String> bootnames, int bootAttempts) {
        if (bootnames.size() < 2) {
            throw new BootloaderException("barebox: needs at least two slots, got " + bootnames);
        }
        for (String b : bootnames) {
            if (!b.matches("[A-Za-z0-9_-]+")) {
                throw new BootloaderException("barebox: bootname '" + b + "' is not a state node name");
            }
        }
        this.command = List.copyOf(command);
        this.stateName = stateName;
        this.bootnames = List.copyOf(bootnames);
        this.attempts = bootAttempts;
        this.runner = new CommandRunner("barebox", TIMEOUT);
    }

    /** Runs {@code barebox-state} from PATH with {@code barebox-state-name}. */
    public BareboxStateAdapter(BootloaderOptions options) {
        this(List.of("barebox-state"), options.bareboxStateName(), options.bootnames(), options.bootAttempts());
    }

    @Override
    public String name() {
        return "barebox";
    }

    @Override
    public Optional<String> primary() {
        Map<String, Target> targets = read();
        String best = null;
        for (String b : bootnames) {
            Target t = targets.get(b);
            // Bootchooser takes the highest priority; on a tie, the target listed first.
            if (t.bootable() && (best == null || t.priority() > targets.get(best).priority())) {
                best = b;
            }
        }
        return Optional.ofNullable(best);
    }

    @Override
    public BootSlotState state(String bootname) {
        requireKnown(bootname);
        Target t = read().get(bootname);
        return new BootSlotState(bootname, t.bootable(),
                t.bootable() ? (int) Math.min(t.remainingAttempts(), Integer.MAX_VALUE) : 0);
    }

    @Override
    public void markBad(String bootname) {
        requireKnown(bootname);
        Map<String, Target> targets = read();
        Map<String, Long> changes = new LinkedHashMap<>();
        change(changes, targets, bootname, 0, 0);
        write(changes);
    }

    @Override
    public void rearm(String bootname) {
        requireKnown(bootname);
        Map<String, Target> targets = read();
        Target t = targets.get(bootname);
        Map<String, Long> changes = new LinkedHashMap<>();
        change(changes, targets, bootname, t.priority(), attempts);
        write(changes);
    }

    @Override
    void makePrimaryAndArm(String bootname) {
        requireKnown(bootname);
        Map<String, Target> targets = read();
        Map<String, Long> changes = new LinkedHashMap<>();
        for (String b : bootnames) {
            Target t = targets.get(b);
            if (!b.equals(bootname) && t.priority() > 0) {
                change(changes, targets, b, OTHER_PRIORITY, t.remainingAttempts());
            }
        }
        change(changes, targets, bootname, PRIMARY_PRIORITY, attempts);
        write(changes);
    }

    private static void change(Map<String, Long> changes, Map<String, Target> targets, String bootname,
            long priority, long remainingAttempts) {
        Target t = targets.get(bootname);
        if (t.priority() != priority) {
            changes.put(var(bootname, "priority"), priority);
        }
        if (t.remainingAttempts() != remainingAttempts) {
            changes.put(var(bootname, "remaining_attempts"), remainingAttempts);
        }
    }

    private static String var(String bootname, String field) {
        return "bootstate." + bootname + "." + field;
    }

    private List<String> base() {
        List<String> c = new ArrayList<>(command);
        if (stateName != null && !stateName.isBlank()) {
            c.add("-n");
            c.add(stateName);
        }
        return c;
    }

    Map<String, Target> read() {
        List<String> c = base();
        for (String b : bootnames) {
            c.add("-g");
            c.add(var(b, "priority"));
            c.add("-g");
            c.add(var(b, "remaining_attempts"));
        }
        CommandRunner.Result r = runner.run(c);
        if (r.exitCode() != 0) {
            throw failure("read", r);
        }
        List<String> lines = r.stdout().lines().map(String::strip).toList();
        if (lines.size() != 2 * bootnames.size()) {
            throw new BootloaderException("barebox: barebox-state printed " + lines.size() + " values for "
                    + 2 * bootnames.size() + " variables");
        }
        Map<String, Target> targets = new LinkedHashMap<>();
        for (int i = 0; i < bootnames.size(); i++) {
            targets.put(bootnames.get(i), new Target(number(lines.get(2 * i)), number(lines.get(2 * i + 1))));
        }
        return targets;
    }

    private void write(Map<String, Long> changes) {
        if (changes.isEmpty()) {
            return; // nothing changed: no write (flash wears out)
        }
        List<String> c = base();
        changes.forEach((name, value) -> {
            c.add("-s");
            c.add(name + "=" + value);
        });
        CommandRunner.Result r = runner.run(c);
        if (r.exitCode() != 0) {
            throw failure("write", r);
        }
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BootloaderException("barebox: barebox-state printed '" + s + "' where a number belongs");
        }
    }

    private BootloaderException failure(String what, CommandRunner.Result r) {
        // barebox-state reports the cause on its last stderr line ("no such variable: ...").
        List<String> lines = r.stderr().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String last = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
        return new BootloaderException("barebox: cannot " + what + " bootchooser state (barebox-state exit "
                + r.exitCode() + ")" + last);
    }

    private void requireKnown(String bootname) {
        requireKnown("barebox", bootnames, bootname);
    }
}
