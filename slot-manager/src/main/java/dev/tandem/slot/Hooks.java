package dev.tandem.slot;

import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.config.HooksConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the {@code [hooks]} executables (ARCHITECTURE.md §5) with a {@code TANDEM_*} environment:
 * {@code TANDEM_HOOK}, {@code TANDEM_COMPATIBLE}, {@code TANDEM_DATA_DIR} always; {@code TANDEM_SLOT},
 * {@code TANDEM_CLASS}, {@code TANDEM_BOOTNAME}, {@code TANDEM_DEVICE}, {@code TANDEM_BUNDLE_ID},
 * {@code TANDEM_VERSION}, {@code TANDEM_REASON} when known. The installer calls {@code pre-install} (a veto) and
 * {@code post-install}; boot-check calls {@code post-mark-good} and {@code on-fallback}.
 */
public final class Hooks {

    /**
     * How long a hook may run. Hooks migrate data, so this is generous; it exists so a hung hook cannot hold the
     * data-dir lock (and boot-check) forever.
     */
    public static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** The hook points, by their system.toml key. */
    public enum Hook {
        PRE_INSTALL("pre-install"),
        POST_INSTALL("post-install"),
        POST_MARK_GOOD("post-mark-good"),
        ON_FALLBACK("on-fallback");

        private final String key;

        Hook(String key) {
            this.key = key;
        }

        /** The system.toml key, also {@code TANDEM_HOOK}. */
        public String key() {
            return key;
        }
    }

    /**
     * @param hook     which hook
     * @param ran      false when none is configured (then it counts as success)
     * @param exitCode its exit status, -1 when it timed out or could not start
     * @param output   the tail of its output
     * @param reason   one line: "post-install hook /etc/tandem/post.sh exited 3: no space"
     */
    public record HookResult(Hook hook, boolean ran, int exitCode, String output, String reason) {

        public boolean ok() {
            return !ran || exitCode == 0;
        }
    }

    private final HooksConfig config;
    private final Map<String, String> common;
    private final Duration timeout;

    public Hooks(HooksConfig config, String compatible, Path dataDir) {
        this(config, compatible, dataDir, TIMEOUT);
    }

    Hooks(HooksConfig config, String compatible, Path dataDir, Duration timeout) {
        this.config = config;
        this.common = Map.of("TANDEM_COMPATIBLE", compatible, "TANDEM_DATA_DIR", dataDir.toString());
        this.timeout = timeout;
    }

    /** The environment describing {@code slot} and what is in it; null values are left out. */
    public static Map<String, String> environment(Slot slot, String bundleId, String version, String reason) {
        Map<String, String> env = new LinkedHashMap<>();
        put(env, "TANDEM_SLOT", slot.name());
        put(env, "TANDEM_CLASS", slot.slotClass());
        put(env, "TANDEM_BOOTNAME", slot.bootname());
        put(env, "TANDEM_DEVICE", slot.device().toString());
        put(env, "TANDEM_BUNDLE_ID", bundleId);
        put(env, "TANDEM_VERSION", version);
        put(env, "TANDEM_REASON", reason);
        return env;
    }

    /** Runs {@code hook} if configured; a failure is returned, not thrown. */
    public HookResult run(Hook hook, Map<String, String> env) {
        Path exe = path(hook);
        if (exe == null) {
            return new HookResult(hook, false, 0, "", hook.key() + " hook: none configured");
        }
        Map<String, String> all = new LinkedHashMap<>(common);
        all.putAll(env);
        all.put("TANDEM_HOOK", hook.key());
        CommandRunner.Result r = CommandRunner.run(List.of(exe.toString()), all, timeout);
        String reason = hook.key() + " hook " + exe + " " + (r.ok() ? "succeeded" : r.describe(timeout));
        return new HookResult(hook, true, r.timedOut() ? -1 : r.exitCode(), r.output(), reason);
    }

    /**
     * Runs {@code hook} and refuses on failure: a {@code pre-install} veto, a failing {@code post-install}.
     *
     * @throws PolicyException with reason {@link PolicyException.Reason#HOOK_FAILED}
     */
    public void require(Hook hook, Map<String, String> env) {
        HookResult r = run(hook, env);
        if (!r.ok()) {
            throw new PolicyException(PolicyException.Reason.HOOK_FAILED, r.reason());
        }
    }

    private Path path(Hook hook) {
        return switch (hook) {
            case PRE_INSTALL -> config.preInstall();
            case POST_INSTALL -> config.postInstall();
            case POST_MARK_GOOD -> config.postMarkGood();
            case ON_FALLBACK -> config.onFallback();
        };
    }

    private static void put(Map<String, String> env, String key, String value) {
        if (value != null) {
            env.put(key, value);
        }
    }
}
