package dev.tandem.web;

import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * What the web page needs from an installer, and no more: slot status, one install at a time from a stream,
 * cancel, reboot. {@link LocalInstallService} runs the installer in this process; a daemon can implement it too.
 */
public interface InstallService {

    /** The device's slots, as {@code tandem status --json} prints them. */
    String statusJson() throws IOException;

    /**
     * The largest upload worth reading: what the target slots can hold plus room for the bundle's tables and
     * signatures. A longer body is refused before it is read.
     */
    long uploadLimit() throws IOException;

    /**
     * Starts an install that reads its bundle from {@code bundle} while it arrives; returns at once.
     *
     * @param name     what the source is called in messages
     * @param listener the install's phases and progress, from the install's threads
     * @return the outcome; on failure the target is left not bootable and the future holds the reason
     * @throws dev.tandem.slot.BusyException when an install (here or in another tandem process) is running
     */
    CompletableFuture<InstallResult> start(InputStream bundle, String name, InstallListener listener);

    /** Stops the running install, if any (its target is left not bootable). */
    void cancel();

    /** Reboots the device the way the agent does. */
    void reboot() throws IOException;
}
