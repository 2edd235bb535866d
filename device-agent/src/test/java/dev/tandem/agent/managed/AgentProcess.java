package dev.tandem.agent.managed;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.Rebooter;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The managed agent as its own process, for crash tests and memory measurements: {@code AgentProcess CONFIG
 * [CRASH-POINT] [fast|device]}. A reboot request writes {@code reboot-requested} beside the config and kills the
 * process (a reboot ends the agent as abruptly as a power cut). A crash point {@code state:NAME} or
 * {@code line:TEXT} makes the process SIGKILL itself when it enters that state (after the journal is written,
 * before the step acts) or prints a line containing that text, after writing the point to {@code crashed}. A
 * point {@code oom:TEXT} throws an {@link OutOfMemoryError} from the line containing that text instead, as a
 * full heap would: the process must end, non-zero, on its own.
 */
public final class AgentProcess {

    private AgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args[0]).toAbsolutePath();
        String crashPoint = args.length > 1 && !args[1].isEmpty() ? args[1] : null;
        boolean fast = args.length <= 2 || !args[2].equals("device");
        Path dir = config.getParent();
        DeviceSlots slots = DeviceSlots.open(SystemConfig.load(config), null);
        Rebooter rebooter = () -> {
            Files.writeString(dir.resolve("reboot-requested"), "reboot\n");
            killSelf();
        };
        AgentListener listener = new AgentListener() {
            @Override
            public void line(String text) {
                System.out.println(text);
                if (crashPoint != null && crashPoint.startsWith("line:") && text.contains(crashPoint.substring(5))) {
                    crash(dir, crashPoint);
                }
                if (crashPoint != null && crashPoint.startsWith("oom:") && text.contains(crashPoint.substring(4))) {
                    throw new OutOfMemoryError("injected at '" + crashPoint.substring(4) + "'");
                }
            }

            @Override
            public void entered(AgentState state, ActionJournal journal) {
                System.out.println("entered " + state);
                if (crashPoint != null && crashPoint.equals("state:" + state)) {
                    crash(dir, crashPoint);
                }
            }
        };
        AgentSettings settings = fast ? AgentSettings.defaults().withFastTiming(Duration.ofMillis(500))
                : AgentSettings.defaults();
        ManagedAgent agent = ManagedAgent.create(slots, settings, rebooter, listener, System.getenv());
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop));
        agent.start();
        agent.awaitStopped();
    }

    private static void crash(Path dir, String point) {
        try {
            Files.writeString(dir.resolve("crashed"), point, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        killSelf();
    }

    /** kill -9 of this very process: no shutdown hook, no flush, no finally. */
    private static void killSelf() {
        System.out.flush();
        try {
            new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            Thread.sleep(60_000);
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(137);
        }
        Runtime.getRuntime().halt(137);
    }
}
