package dev.tandem.pki;

import java.time.Instant;
import java.util.List;

/**
 * How strictly signatures are judged (system.toml top level, DESIGN §3).
 *
 * @param now                the clock reading
 * @param timeFloor          certificates are checked at max(now, timeFloor); null for none
 * @param checkNotYetValid   false on devices without an RTC ({@code check-signer-time = false})
 * @param signaturesRequired distinct signer public keys that must verify (default 1)
 * @param allowedSigners     if not empty, a counted signer's subject must match one of these
 */
public record TrustPolicy(Instant now, Instant timeFloor, boolean checkNotYetValid, int signaturesRequired,
                          List<String> allowedSigners) {

    public TrustPolicy {
        allowedSigners = allowedSigners == null ? List.of() : List.copyOf(allowedSigners);
    }

    /** One signature, checked now, with validity dates. */
    public static TrustPolicy standard() {
        return new TrustPolicy(Instant.now(), null, true, 1, List.of());
    }
}
