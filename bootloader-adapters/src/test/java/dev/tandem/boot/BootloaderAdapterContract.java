package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link BootloaderAdapter} contract (ARCHITECTURE.md §6), run against every adapter: each adapter's test extends
 * this class and supplies an environment in which slot A is good and primary and slot B holds nothing bootable,
 * as on a device after its first boot-check, with {@code boot-attempts = 1}.
 */
abstract class BootloaderAdapterContract {

    /** A fresh environment: A good and primary, B not bootable; returns an adapter over it. */
    protected abstract BootloaderAdapter adapterWithGoodSlotA() throws Exception;

    /** A second adapter over the same environment, as the next tandem process would make it. */
    protected abstract BootloaderAdapter reopen() throws Exception;

    /** Files or directories that hold the environment: any write changes them. */
    protected abstract List<Path> storage();

    /** {@code bootloader} in system.toml. */
    protected abstract String expectedName();

    /** Attempts a slot has right after try-once. */
    protected int expectedTrialAttempts() {
        return 1;
    }

    /** Attempts a committed slot has right after mark-good. */
    protected int expectedArmedAttempts() {
        return 1;
    }

    protected BootloaderAdapter adapter;

    @BeforeEach
    void createEnvironment() throws Exception {
        adapter = adapterWithGoodSlotA();
    }

    @Test
    void isNamedAsInSystemToml() {
        assertThat(adapter.name()).isEqualTo(expectedName());
        assertThat(BootloaderKind.parse(adapter.name()).configName()).isEqualTo(adapter.name());
    }

    @Test
    void reportsTheGoodSlotAsPrimary() {
        assertThat(adapter.primary()).contains("A");
        assertThat(adapter.state("A").bootable()).isTrue();
        assertThat(adapter.state("A").bootname()).isEqualTo("A");
    }

    @Test
    void reportsASlotWithoutInstallAsNotBootable() {
        assertThat(adapter.state("B").bootable()).isFalse();
        assertThat(adapter.state("B").attemptsLeft()).isZero();
    }

    @Test
    void tryOnceMakesTheTargetPrimaryWithItsTrialAttempts() {
        adapter.markBad("B");
        adapter.setTryOnce("B");
        assertThat(adapter.primary()).contains("B");
        assertThat(adapter.state("B")).isEqualTo(new BootSlotState("B", true, expectedTrialAttempts()));
    }

    @Test
    void tryOnceKeepsTheOldSlotBootableAsFallback() {
        adapter.markBad("B");
        adapter.setTryOnce("B");
        assertThat(adapter.state("A").bootable()).isTrue();
    }

    @Test
    void markGoodKeepsTheSlotPrimaryWithItsCounterArmed() {
        adapter.setTryOnce("B");
        adapter.markGood("B");
        assertThat(adapter.primary()).contains("B");
        assertThat(adapter.state("B")).isEqualTo(new BootSlotState("B", true, expectedArmedAttempts()));
        assertThat(adapter.state("A").bootable()).isTrue();
    }

    @Test
    void markGoodMakesTheOtherSlotPrimaryAgain() {
        adapter.setTryOnce("B");
        adapter.markGood("B");
        adapter.markGood("A");
        assertThat(adapter.primary()).contains("A");
    }

    @Test
    void markBadMakesTheSlotUnbootableAndTheOtherPrimary() {
        adapter.setTryOnce("B");
        adapter.markBad("B");
        assertThat(adapter.state("B").bootable()).isFalse();
        assertThat(adapter.primary()).contains("A");
    }

    @Test
    void markGoodRevivesASlotMarkedBad() {
        adapter.setTryOnce("B");
        adapter.markBad("B");
        adapter.markGood("B");
        assertThat(adapter.state("B").bootable()).isTrue();
        assertThat(adapter.primary()).contains("B");
    }

    @Test
    void rearmWritesNothingWhenTheCounterIsArmed() throws Exception {
        StorageFingerprint.backdate(storage());
        List<String> before = StorageFingerprint.of(storage());
        adapter.rearm("A");
        assertThat(StorageFingerprint.of(storage())).isEqualTo(before);
    }

    @Test
    void markGoodWritesNothingWhenTheSlotIsAlreadyGoodAndPrimary() throws Exception {
        StorageFingerprint.backdate(storage());
        List<String> before = StorageFingerprint.of(storage());
        adapter.markGood("A");
        assertThat(StorageFingerprint.of(storage())).isEqualTo(before);
    }

    @Test
    void aNewAdapterSeesWhatTheLastOneWrote() throws Exception {
        adapter.markBad("B");
        adapter.setTryOnce("B");
        BootloaderAdapter next = reopen();
        assertThat(next.primary()).isEqualTo(Optional.of("B"));
        assertThat(next.state("A").bootable()).isTrue();
    }

    @Test
    void refusesAnUnknownBootname() {
        assertThatThrownBy(() -> adapter.state("C")).isInstanceOf(BootloaderException.class).hasMessageContaining("C");
        assertThatThrownBy(() -> adapter.setTryOnce("C")).isInstanceOf(BootloaderException.class);
        assertThatThrownBy(() -> adapter.markBad("C")).isInstanceOf(BootloaderException.class);
    }
}
