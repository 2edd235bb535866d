package dev.tandem.web;

import dev.tandem.agent.Rebooter;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.install.StdinSource;
import dev.tandem.storage.linux.BlockDevice;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@link InstallService} on the stream installer in this process: one install at a time (in this process by a
 * flag, against other tandem processes by the data-dir lock the installer holds), on a thread of its own.
 * A failed install whose target was already marked {@code writing} is marked {@code bad} with the reason, as
 * the agent does for a canceled one: status then says why, and the group stays unbootable.
 */
public final class LocalInstallService implements InstallService {

    /** Room for the bundle's tar headers, chunk tables, hints and signatures beyond the image bytes. */
    static final long METADATA_ALLOWANCE = 16L << 20;

    private final Supplier<DeviceSlots> device;
    private final Rebooter rebooter;
    private final AtomicReference<InputStream> running = new AtomicReference<>();

    /**
     * @param device   opens the device afresh (status changes under a long-running server)
     * @param rebooter how the device reboots ({@code reboot-command})
     */
    public LocalInstallService(Supplier<DeviceSlots> device, Rebooter rebooter) {
        this.device = device;
        this.rebooter = rebooter;
    }

    @Override
    public String statusJson() {
        return device.get().status().toJson();
    }

    @Override
    public long uploadLimit() throws IOException {
        long total = 0;
        for (Slot s : device.get().targetGroup()) {
            total += BlockDevice.sizeOf(s.device());
        }
        return total + total / 32 + METADATA_ALLOWANCE;
    }

    @Override
    public CompletableFuture<InstallResult> start(InputStream bundle, String name, InstallListener listener) {
        if (!running.compareAndSet(null, bundle)) {
            throw new BusyException("install from the web page");
        }
        DeviceSlots slots;
        try {
            slots = device.get();
            // Another process (the agent, a shell) may hold the lock: say busy before the body is read.
            DataDirLock.acquire(slots.config().dataDir(), "web install check").close();
        } catch (RuntimeException e) {
            running.set(null);
            throw e;
        }
        CompletableFuture<InstallResult> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            InstallResult done = null;
            Throwable failure = null;
            try (StdinSource source = new StdinSource(bundle, name)) {
                done = new Installer(slots, InstallSettings.defaults())
                        .install(source, InstallOptions.defaults(), listener);
            } catch (Throwable e) {
                markWritingTargetsBad(reason(e));
                failure = e;
            } finally {
                // Free before the outcome is told: whoever hears it may start the next install at once.
                running.set(null);
            }
            if (failure == null) {
                result.complete(done);
            } else {
                result.completeExceptionally(failure);
            }
        }, "tandem-web-install");
        t.setDaemon(true);
        t.start();
        return result;
    }

    @Override
    public void cancel() {
        InputStream in = running.get();
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // Closing is how a forward stream is canceled; the install fails on its next read either way.
            }
        }
    }

    @Override
    public void reboot() throws IOException {
        if (running.get() != null) {
            throw new BusyException("install from the web page");
        }
        rebooter.reboot();
    }

    private void markWritingTargetsBad(String reason) {
        try {
            DeviceSlots slots = device.get();
            try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "web install failed")) {
                List<Slot> group = slots.targetGroup();
                boolean writing = group.stream()
                        .anyMatch(s -> slots.current().slot(s.name()).state() == SlotState.WRITING);
                if (writing) {
                    slots.markBad(group.get(0), "web install failed: " + reason);
                }
            }
        } catch (RuntimeException e) {
            // The group is already unbootable (marked before its first byte); only the recorded reason is lost.
        }
    }

    /** A one-line reason for the page and status.json. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
