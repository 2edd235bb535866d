package dev.tandem.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Reboots the device after an install. On a device it runs the top-level {@code reboot-command} of system.toml
 * ({@code sh -c}); tests simulate the reboot instead.
 */
@FunctionalInterface
public interface Rebooter {

    /** Asks for a reboot; returns when the request is made (a real reboot then ends the process). */
    void reboot() throws IOException;

    /**
     * Runs {@code command} with {@code sh -c}, waiting at most a minute ({@code systemctl reboot} returns at once).
     */
    static Rebooter command(String command) {
        return () -> {
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("reboot command '" + command + "' did not return within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("reboot command '" + command + "': interrupted", e);
            }
            if (p.exitValue() != 0) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                int nl = out.lastIndexOf('\n');
                throw new IOException("reboot command '" + command + "' exited with " + p.exitValue()
                        + (out.isEmpty() ? "" : ": " + out.substring(nl + 1)));
            }
        };
    }
}
