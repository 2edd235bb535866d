package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one boot: one QEMU process with {@code -no-reboot}, so a power-off, a panic and a bootloader reset all end
 * it. The rig only ever signals the process it started, by its handle: at the timeout, or at a chosen moment to
 * cut the power.
 */
public final class QemuBoot {

    private QemuBoot() {
    }

    /**
     * @param cutAfter kill QEMU this long after its start (a power cut), or null to let it run
     */
    public static BootRecord run(int number, String label, List<String> command, Path serialLog, Duration timeout,
                                 Duration cutAfter) {
        Path qemuOutput = serialLog.resolveSibling(serialLog.getFileName() + ".qemu.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(qemuOutput.toFile());
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new RigException(command.get(0) + ": cannot start: " + e.getMessage(), e);
        }
        BootRecord.Ending ending;
        try {
            p.getOutputStream().close();
            long limit = cutAfter != null && cutAfter.compareTo(timeout) < 0 ? cutAfter.toNanos() : timeout.toNanos();
            if (p.waitFor(limit, TimeUnit.NANOSECONDS)) {
                ending = BootRecord.Ending.EXITED;
            } else {
                p.destroyForcibly();
                p.waitFor();
                ending = cutAfter != null && cutAfter.compareTo(timeout) < 0
                        ? BootRecord.Ending.POWER_CUT : BootRecord.Ending.TIMED_OUT;
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RigException("interrupted during " + label, e);
        } catch (IOException e) {
            p.destroyForcibly();
            throw new RigException("QEMU stdin: " + e.getMessage(), e);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        return new BootRecord(number, label, serialLog, wall, ending, ConsoleLog.read(serialLog));
    }
}
