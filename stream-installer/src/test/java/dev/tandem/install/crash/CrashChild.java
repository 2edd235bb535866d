package dev.tandem.install.crash;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.DurableFile;
import dev.tandem.storage.StorageInterposer;
import dev.tandem.bundle.FileSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.TargetWrapping;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The process {@link CrashMatrixTest} kills: runs one step of a simulated device ({@code install},
 * {@code boot-check} or {@code mark-good}) and counts the durable operations it makes (target writes and
 * syncs, status and bootloader replaces, before and after). At operation number {@code cutAt} it prints
 * {@code CUT <n> <what>} and waits to be killed with SIGKILL; a step that ends first prints {@code DONE <n>}.
 *
 * <p>Usage: {@code CrashChild <device-dir> <step> <bundle> <cutAt>}
 */
public final class CrashChild extends StorageInterposer {

    static final InstallSettings SETTINGS = new InstallSettings(2, 64 * 1024, 512 * 1024, true, 32,
            Clock.systemUTC());

    private final long cutAt;
    private long events;
    private volatile String phase = "start";

    private CrashChild(long cutAt) {
        this.cutAt = cutAt;
    }

    public static void main(String[] args) throws Exception {
        SimulatedDevice d = SimulatedDevice.at(Path.of(args[0]));
        String step = args[1];
        CrashChild child = new CrashChild(Long.parseLong(args[3]));
        DeviceSlots slots = d.slots(child::wrap);
        switch (step) {
            case "install" -> {
                try (FileSource s = FileSource.open(Path.of(args[2]))) {
                    TargetWrapping.installer(slots, SETTINGS, child::wrap, child::wrap).install(s,
                            InstallOptions.defaults(),
                            new InstallListener() {
                                @Override
                                public void phase(InstallPhase p, String detail) {
                                    child.phase = "install " + p.name().toLowerCase();
                                }
                            });
                }
            }
            case "boot-check" -> {
                child.phase = "boot-check";
                d.bootCheck(slots);
            }
            case "mark-good" -> {
                child.phase = "mark-good";
                slots.markGood(slots.booted());
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        }
        System.out.println("DONE " + child.events);
        System.out.flush();
        System.exit(0);
    }

    /** One durable operation; at the cut, says where and waits for SIGKILL. */
    private synchronized void event(String what) {
        events++;
        if (events == cutAt) {
            System.out.println("CUT " + events + " " + phase + ": " + what);
            System.out.flush();
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ignored) {
                    // Only SIGKILL ends this process now.
                }
            }
        }
    }

    @Override
    protected void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
        event("before a chunk write");
        real.write(src, offset);
    }

    @Override
    protected void zero(BlockTarget real, long offset, long length) throws IOException {
        event("before zeroing a chunk");
        real.zero(offset, length);
    }

    @Override
    protected void sync(BlockTarget real) throws IOException {
        event("before a target sync");
        real.sync();
        event("after a target sync, before the journal");
    }

    @Override
    protected void replace(DurableFile real, byte[] content) throws IOException {
        String name = real.path().getFileName().toString();
        event("before replacing " + name);
        real.replace(content);
        event("after replacing " + name);
    }

    @Override
    protected void delete(DurableFile real) throws IOException {
        event("before deleting " + real.path().getFileName());
        real.delete();
    }
}
