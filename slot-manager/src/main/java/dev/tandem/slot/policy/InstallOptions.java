package dev.tandem.slot.policy;

/**
 * The install flags that loosen or change policy (ARCHITECTURE.md §5, §8). None of them lowers the security floor.
 *
 * @param force          install although the booted slot is not {@code good} ({@code --force})
 * @param reinstall      install the version the booted slot already has ({@code --reinstall})
 * @param allowDowngrade install a lower version ({@code --allow-downgrade})
 * @param retry          install a bundle that failed here before ({@code --retry})
 * @param noActivate     stop at {@code installed}, without try-once ({@code --no-activate})
 */
public record InstallOptions(boolean force, boolean reinstall, boolean allowDowngrade, boolean retry,
                             boolean noActivate) {

    /** No flags. */
    public static InstallOptions defaults() {
        return new InstallOptions(false, false, false, false, false);
    }
}
