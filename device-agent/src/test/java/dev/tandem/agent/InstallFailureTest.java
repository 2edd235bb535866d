package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.VerificationException;
import dev.tandem.install.http.SourceException;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.SlotIoException;
import java.io.InterruptedIOException;
import org.junit.jupiter.api.Test;

class InstallFailureTest {

    static InstallFailure.Kind kind(Throwable t) {
        return InstallFailure.of(t).kind();
    }

    @Test
    void networkTroubleAndABusyLockAreWorthAnotherTry() {
        assertThat(kind(new SourceException(SourceException.Reason.NETWORK, "reset"))).isEqualTo(
                InstallFailure.Kind.TRANSIENT);
        assertThat(kind(new SourceException(SourceException.Reason.TIMEOUT, "stalled"))).isEqualTo(
                InstallFailure.Kind.TRANSIENT);
        assertThat(kind(new SourceException(SourceException.Reason.CHANGED, "etag"))).isEqualTo(
                InstallFailure.Kind.TRANSIENT);
        assertThat(kind(new BusyException("pid 1: boot-check"))).isEqualTo(InstallFailure.Kind.TRANSIENT);
        assertThat(kind(new InterruptedIOException("stop"))).isEqualTo(InstallFailure.Kind.TRANSIENT);
    }

    @Test
    void aRefusedRequestOrASpentBudgetIsFinal() {
        assertThat(kind(new SourceException(SourceException.Reason.HTTP_STATUS, "403"))).isEqualTo(
                InstallFailure.Kind.FINAL);
        assertThat(kind(new SourceException(SourceException.Reason.TOO_MANY_REQUESTS, "budget"))).isEqualTo(
                InstallFailure.Kind.FINAL);
        assertThat(kind(new SourceException(SourceException.Reason.TLS, "untrusted"))).isEqualTo(
                InstallFailure.Kind.FINAL);
    }

    @Test
    void theRunningVersionIsAlreadyInstalled() {
        assertThat(kind(new PolicyException(PolicyException.Reason.REINSTALL, "same"))).isEqualTo(
                InstallFailure.Kind.ALREADY_RUNNING);
        assertThat(kind(new PolicyException(PolicyException.Reason.DOWNGRADE, "lower"))).isEqualTo(
                InstallFailure.Kind.FINAL);
    }

    @Test
    void verificationAndSlotFailuresAreFinalWithTheirMessage() {
        InstallFailure f = InstallFailure.of(new VerificationException(VerificationException.Kind.IMAGE,
                "image rootfs: sha256 mismatch\nmore"));
        assertThat(f.kind()).isEqualTo(InstallFailure.Kind.FINAL);
        assertThat(f.reason()).isEqualTo("image rootfs: sha256 mismatch");
        assertThat(kind(new SlotIoException("write failed", null))).isEqualTo(InstallFailure.Kind.FINAL);
        assertThat(InstallFailure.of(new IllegalStateException()).reason()).isEqualTo("IllegalStateException");
    }
}
