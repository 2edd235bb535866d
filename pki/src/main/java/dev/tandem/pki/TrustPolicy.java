package dev.tandem.pki;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How strictly signatures are judged (system.toml top level).
 *
 * @param now                the clock reading
 * @param timeFloor          certificates and bundle expiry are checked at max(now, timeFloor) ({@link #checkTime});
 *                           null for none
 * @param checkNotYetValid   false on devices without an RTC ({@code check-signer-time = false}); skips only
 *                           the not-yet-valid check, never expiry
 * @param signaturesRequired distinct signer public keys that must verify (default 1, at least 1)
 * @param allowedSigners     if not empty, a counted signer's subject must match one of these: a distinguished
 *                           name such as {@code "CN=release,O=Acme"} (the whole subject, in that order or
 *                           reversed), or, without '=', the subject's only CN (see SubjectName#matches)
 */
public record TrustPolicy(Instant now, Instant timeFloor, boolean checkNotYetValid, int signaturesRequired,
                          List<String> allowedSigners) {

    public TrustPolicy {
        Objects.requireNonNull(now, "now");
        if (signaturesRequired < 1) {
            throw new IllegalArgumentException("signaturesRequired must be at least 1, not " + signaturesRequired);
        }
        allowedSigners = allowedSigners == null ? List.of() : List.copyOf(allowedSigners);
    }

    /**
     * The instant signer certificates and a bundle's {@code expires} are judged at: max(now, time floor), so a
     * device whose clock was reset accepts nothing that had expired by what it already knows.
     */
    public Instant checkTime() {
        return timeFloor != null && timeFloor.isAfter(now) ? timeFloor : now;
    }

    /** One signature, checked now, with validity dates. */
    public static TrustPolicy standard() {
        return new TrustPolicy(Instant.now(), null, true, 1, List.of());
    }
}
