package dev.tandem.hardware.rig;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One boot of the emulated device: a {@code qemu-system-x86_64} process (TCG unless KVM is there) with the disk
 * on virtio, QEMU's user-mode network (the host's loopback is 10.0.2.2 in the guest, nothing else is reachable),
 * an xHCI controller for hot-plugged sticks, and {@code -no-reboot}, so a reboot the guest does itself ends the
 * process and the rig starts the next boot with a fresh console log. The rig signals only the process it started,
 * by its handle.
 */
public final class DeviceVm implements AutoCloseable {

    private final Process process;
    private final Path console;
    private final Path monitor;
    private final long started = System.nanoTime();

    private DeviceVm(Process process, Path console, Path monitor) {
        this.process = process;
        this.console = console;
        this.monitor = monitor;
    }

    /** Starts QEMU on {@code disk} with {@code ramMib} of RAM; the serial console goes to {@code console}. */
    public static DeviceVm start(Path disk, int ramMib, Path console) throws IOException {
        Path monitor = console.resolveSibling(console.getFileName() + ".monitor");
        Files.deleteIfExists(monitor);
        Files.deleteIfExists(console);
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64"));
        cmd.addAll(kvmUsable() ? List.of("-accel", "kvm") : List.of("-accel", "tcg"));
        cmd.addAll(List.of("-m", String.valueOf(ramMib), "-nodefaults", "-no-reboot", "-display", "none",
                "-drive", "file=" + disk + ",format=raw,if=virtio",
                "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0",
                "-device", "virtio-rng-pci", "-device", "qemu-xhci,id=xhci",
                "-serial", "file:" + console,
                "-monitor", "unix:" + monitor + ",server,nowait"));
        Path qemuOut = console.resolveSibling(console.getFileName() + ".qemu.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(qemuOut.toFile()).start();
        p.getOutputStream().close();
        return new DeviceVm(p, console, monitor);
    }

    /**
     * KVM only where the CPU offers hardware virtualisation: a sandbox may have a writable /dev/kvm without it
     * (no vmx or svm in /proc/cpuinfo), and there GRUB ran but the guest's kernel hung without a line on the
     * console until the scenario's timeout. TCG is slower and always works.
     */
    static boolean kvmUsable() {
        if (!Files.isWritable(Path.of("/dev/kvm"))) {
            return false;
        }
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .anyMatch(l -> l.startsWith("flags") && l.matches(".*\\b(vmx|svm)\\b.*"));
        } catch (IOException e) {
            return false;
        }
    }

    public Path console() {
        return console;
    }

    /** Seconds since QEMU started. */
    public double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    public boolean running() {
        return process.isAlive();
    }

    /** The console so far. */
    public String consoleText() {
        try {
            return Files.exists(console) ? new String(Files.readAllBytes(console), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new RigException("cannot read " + console + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the console shows {@code pattern} (searched from {@code fromChar}); empty when QEMU ended or the
     * time ran out first.
     */
    public Optional<Matcher> await(Pattern pattern, int fromChar, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = consoleText();
            Matcher m = pattern.matcher(text);
            if (m.find(Math.min(fromChar, text.length()))) {
                return Optional.of(m);
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                return Optional.empty();
            }
            sleep(500);
        }
    }

    /** Waits for QEMU to end by itself (the guest rebooted or powered off); false at the timeout. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted waiting for QEMU", e);
        }
    }

    /** One human monitor command (device_add, ...); returns what the monitor answered. */
    public String monitor(String command) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(monitor));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            sleep(1500);
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            ch.read(buf);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RigException("QEMU monitor " + monitor + ": " + e.getMessage(), e);
        }
    }

    /** Pulls the power: kills QEMU at once. */
    public void cutPower() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            cutPower();
        }
        try {
            Files.deleteIfExists(monitor);
        } catch (IOException e) {
            // only a socket file
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted", e);
        }
    }
}
