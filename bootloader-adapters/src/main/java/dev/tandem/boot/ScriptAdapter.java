package dev.tandem.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A custom bootloader driven by a user script with RAUC's custom-backend contract:
 * <ul>
 *   <li>{@code <script> get-primary} prints the bootname tried first (nothing: no slot is bootable);</li>
 *   <li>{@code <script> set-primary <bootname>} makes it primary for a trial;</li>
 *   <li>{@code <script> get-state <bootname>} prints {@code good} or {@code bad};</li>
 *   <li>{@code <script> set-state <bootname> good|bad}.</li>
 * </ul>
 * A non-zero exit becomes a {@link BootloaderException} carrying the first line of the script's stderr; a
 * script that outlives the timeout is killed. Counters, if any, are the script's business: a good slot is
 * reported with {@link BootSlotState#UNLIMITED} attempts. try-once is {@code set-primary}; mark-good is
 * {@code set-state good} when the script does not say good yet, plus {@code set-primary} when the slot is not
 * primary yet; mark-bad is {@code
 * set-state bad}; re-arm is {@code set-state good} only when the script does not already say good.
 */
public final class ScriptAdapter implements BootloaderAdapter {

    /** How long one script call may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Path script;
    private final List<String> bootnames;
    private final CommandRunner runner;

    public ScriptAdapter(Path script, List<String> bootnames, Duration timeout) {
        if (script == null) {
            throw new BootloaderException("custom: no script configured ([bootloader-options] script)");
        }
        this.script = script;
        this.bootnames = List.copyOf(bootnames);
        this.runner = new CommandRunner("custom", timeout);
    }

    /** Uses {@code script} from the options and {@link #DEFAULT_TIMEOUT}. */
    public ScriptAdapter(BootloaderOptions options) {
        this(options.script(), options.bootnames(), DEFAULT_TIMEOUT);
    }

    @Override
    public String name() {
        return "custom";
    }

    @Override
    public Optional<String> primary() {
        String out = call("get-primary").strip();
        if (out.isEmpty()) {
            return Optional.empty();
        }
        if (!bootnames.contains(out)) {
            throw new BootloaderException("custom: " + script + " get-primary printed unknown bootname '" + out + "'");
        }
        return Optional.of(out);
    }

    @Override
    public BootSlotState state(String bootname) {
        boolean good = good(bootname);
        return new BootSlotState(bootname, good, good ? BootSlotState.UNLIMITED : 0);
    }

    @Override
    public void setTryOnce(String bootname) {
        requireKnown(bootname);
        call("set-primary", bootname);
    }

    @Override
    public void markGood(String bootname) {
        if (!good(bootname)) {
            call("set-state", bootname, "good");
        }
        if (!primary().map(bootname::equals).orElse(false)) {
            call("set-primary", bootname);
        }
    }

    @Override
    public void markBad(String bootname) {
        requireKnown(bootname);
        call("set-state", bootname, "bad");
    }

    @Override
    public void rearm(String bootname) {
        if (!good(bootname)) {
            call("set-state", bootname, "good");
        }
    }

    private boolean good(String bootname) {
        requireKnown(bootname);
        String out = call("get-state", bootname).strip();
        return switch (out) {
            case "good" -> true;
            case "bad" -> false;
            default -> throw new BootloaderException("custom: " + script + " get-state " + bootname
                    + " printed '" + out + "', expected good or bad");
        };
    }

    private String call(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        CommandRunner.Result r = runner.run(command);
        if (r.exitCode() != 0) {
            String line = r.firstErrorLine();
            throw new BootloaderException("custom: " + script + " " + String.join(" ", args) + " failed (exit "
                    + r.exitCode() + ")" + (line.isEmpty() ? "" : ": " + line));
        }
        return r.stdout();
    }

    private void requireKnown(String bootname) {
        if (!bootnames.contains(bootname)) {
            throw new BootloaderException("custom: unknown slot bootname '" + bootname + "' (known: "
                    + String.join(", ", bootnames) + ")");
        }
    }
}
