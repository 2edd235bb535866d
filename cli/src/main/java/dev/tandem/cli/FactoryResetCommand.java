package dev.tandem.cli;

import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.FactoryReset;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem factory-reset}: records a request that the next boot-check clears the data partition of
 * {@code [factory-reset]} (README.md "Factory reset"). Nothing is wiped now.
 */
@Command(name = "factory-reset", header = "At the next boot, clear the data partition ([factory-reset]); slots and"
        + " the anti-rollback floor stay.")
final class FactoryResetCommand implements Callable<Integer> {

    @Option(names = "--cancel", description = "Withdraw a request that the next boot has not carried out yet.")
    boolean cancel;

    @Spec
    CommandSpec spec;

    @Override
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    public Integer call() {
        DeviceSlots slots = Device.open(Globals.of(spec));
        PrintWriter out = spec.commandLine().getOut();
        try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "factory-reset")) {
            FactoryReset reset = new FactoryReset(slots);
            if (cancel) {
                out.println(reset.cancel() ? "factory-reset: request withdrawn" : "factory-reset: nothing was requested");
            } else {
                FactoryReset.Request r = reset.request();
                out.println("factory-reset: requested; the next boot-check " + (r.method().equals("mkfs")
                        ? "makes a new file system on " : "zeroes ") + r.dataPartition()
                        + " before it is mounted (`tandem factory-reset --cancel` withdraws it)");
            }
        } catch (RuntimeException e) {
            throw new CommandContext("factory-reset", e);
        }
        out.flush();
        return 0;
    }
}
