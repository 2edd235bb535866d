package dev.tandem.install.crash;

import dev.tandem.bundle.FileSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.StatusReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a device does after a crash or a power cut, checked step by step: the bootloader picks a slot, which
 * must hold a verified image (A its old one; B the new one, and only once it was completely installed and
 * checked); status is readable; boot-check runs; from A the install is run again and must finish (resuming
 * when it can); then B boots and boot-check commits it. Any failure is a {@link Bricked} device.
 */
public final class NextBoot {

    /** The device cannot be brought to the new version, or booted something unverified. */
    public static final class Bricked extends AssertionError {
        Bricked(String message) {
            super(message);
        }
    }

    /**
     * What happened after the cut.
     *
     * @param firstBoot the slot the bootloader booted first
     * @param check     boot-check's first decision
     * @param reran     whether the install had to be run again
     * @param resumed   whether that run resumed from the journal
     */
    public record Result(String firstBoot, BootCheckResult.Outcome check, boolean reran, boolean resumed) {
        public String label() {
            return firstBoot + " boots, boot-check " + check.name().toLowerCase().replace('_', ' ')
                    + (reran ? (resumed ? ", install resumed" : ", install run again") : "") + ", then B good";
        }
    }

    private NextBoot() {
    }

    /** After a cut that may have come during B's trial: an interrupted trial may count as failed ({@code --retry}). */
    public static Result check(SimulatedDevice d, Path bundle, byte[] imageA, byte[] imageB, InstallSettings settings)
            throws IOException {
        return check(d, bundle, imageA, imageB, settings, false);
    }

    /**
     * @param beforeTrial the cut came before B could ever boot (during the install or its activation): B's bundle
     *                    never had a trial, so boot-check must not record it as failed, and the install is run
     *                    again without {@code --retry}
     */
    public static Result check(SimulatedDevice d, Path bundle, byte[] imageA, byte[] imageB, InstallSettings settings,
                               boolean beforeTrial) throws IOException {
        String first = boot(d, imageA, imageB);
        BootCheckResult check = d.bootCheck(d.slots());
        String booted = first;
        if (check.rebooting()) {
            booted = boot(d, imageA, imageB);
            if (!booted.equals("A")) {
                throw new Bricked("boot-check rejected " + first + " but the next boot was " + booted);
            }
            d.bootCheck(d.slots());
        }
        if (beforeTrial && !d.slots().status().failedBundles().isEmpty()) {
            throw new Bricked("boot-check recorded the good bundle as failed, though B never booted: "
                    + d.slots().status().failedBundles());
        }
        boolean reran = false;
        boolean resumed = false;
        if (booted.equals("A")) {
            reran = true;
            InstallResult r;
            try (FileSource s = FileSource.open(bundle)) {
                // --retry only after a cut that may have interrupted B's trial: that counts as a failed trial.
                r = new Installer(d.slots(), settings).install(s, new InstallOptions(false, false, false,
                        !beforeTrial, false), new InstallListener() { });
            } catch (RuntimeException | IOException e) {
                throw new Bricked("the install cannot be run again: " + e);
            }
            resumed = r.resumed();
            if (!Arrays.equals(d.read(d.slotB(), imageB.length), imageB)) {
                throw new Bricked("the install ran again, but slot B does not hold the new image");
            }
            String next = boot(d, imageA, imageB);
            if (!next.equals("B")) {
                throw new Bricked("after the install, " + next + " boots instead of B");
            }
            BootCheckResult trial = d.bootCheck(d.slots());
            if (trial.outcome() != BootCheckResult.Outcome.MARKED_GOOD) {
                throw new Bricked("the trial of B ended " + trial.outcome() + ": " + trial.reason());
            }
        }
        StatusReport st = d.slots().status();
        SlotState b = st.slots().stream().filter(s -> s.name().equals("rootfs.1")).findFirst().orElseThrow().state();
        if (b != SlotState.GOOD || !"rootfs.1".equals(st.primary())) {
            throw new Bricked("in the end B is " + b + " and the primary is " + st.primary());
        }
        return new Result(first, check.outcome(), reran, resumed);
    }

    /** Power-on: checks that the slot that boots holds a verified image, and that status can be read. */
    private static String boot(SimulatedDevice d, byte[] imageA, byte[] imageB) throws IOException {
        String booted = d.reboot();
        if (booted == null) {
            throw new Bricked("no slot is bootable");
        }
        DeviceSlots slots = d.slots();
        StatusReport st;
        try {
            st = slots.status();
        } catch (RuntimeException e) {
            throw new Bricked("status cannot be read: " + e.getMessage());
        }
        if (booted.equals("A") && !Arrays.equals(d.read(d.slotA(), imageA.length), imageA)) {
            throw new Bricked("A boots, but its content changed");
        }
        if (booted.equals("B")) {
            SlotState b = st.slots().stream().filter(s -> s.name().equals("rootfs.1")).findFirst().orElseThrow()
                    .state();
            if (!Arrays.equals(d.read(d.slotB(), imageB.length), imageB)) {
                throw new Bricked("B boots, but it does not hold the verified new image (status: " + b + ")");
            }
            if (b != SlotState.PENDING && b != SlotState.INSTALLED && b != SlotState.GOOD) {
                throw new Bricked("B boots while its status is " + b);
            }
        }
        return booted;
    }
}
