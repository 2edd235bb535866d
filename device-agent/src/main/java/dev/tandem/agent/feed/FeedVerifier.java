package dev.tandem.agent.feed;

import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SignatureException;
import dev.tandem.pki.TrustPolicy;
import java.time.Instant;

/**
 * The checks a feed passes before the agent looks at what it says, in this order (device-agent/FEED.md,
 * SECURITY.md "Feeds"): sizes; the detached CMS signature over the exact bytes, against the keyring and signer
 * policy that bundles are judged by; the JSON; the channel; {@code expires} at the {@linkplain
 * TrustPolicy#checkTime check time} bundles' {@code expires} is judged at; and {@code issued} not older than the
 * last feed this device accepted (a freeze or replay attack otherwise).
 */
public final class FeedVerifier {

    private final Keyring keyring;
    private final TrustPolicy policy;

    public FeedVerifier(Keyring keyring, TrustPolicy policy) {
        this.keyring = keyring;
        this.policy = policy;
    }

    /**
     * @param channel    the channel this device follows
     * @param lastIssued the {@code issued} of the last feed accepted on that channel, or null for none
     * @throws FeedException the first check that fails, with its one-line reason
     */
    public Feed verify(byte[] json, byte[] signature, String channel, Instant lastIssued) throws FeedException {
        if (json.length > FeedJson.MAX_FEED_BYTES || signature.length > FeedJson.MAX_SIGNATURE_BYTES) {
            throw new FeedException(FeedException.Kind.TOO_LARGE, "feed (" + json.length + " bytes) or signature ("
                    + signature.length + " bytes) larger than " + FeedJson.MAX_FEED_BYTES + " / "
                    + FeedJson.MAX_SIGNATURE_BYTES);
        }
        try {
            new CmsVerifier(keyring, policy).verify(json, signature);
        } catch (SignatureException e) {
            throw new FeedException(FeedException.Kind.SIGNATURE, "feed signature refused: "
                    + DdiJson.oneLine(String.valueOf(e.getMessage())), e);
        } catch (RuntimeException e) {
            // A parser of hostile DER may fail in ways nobody listed; it is still a signature that does not verify.
            throw new FeedException(FeedException.Kind.SIGNATURE, "feed signature refused: "
                    + DdiJson.oneLine(e.getClass().getSimpleName() + ": " + e.getMessage()), e);
        }
        Feed feed = FeedJson.read(json);
        if (!feed.channel().equals(channel)) {
            throw new FeedException(FeedException.Kind.CHANNEL, "feed is for channel " + feed.channel()
                    + ", this device follows " + channel);
        }
        Instant at = policy.checkTime();
        if (at.isAfter(feed.expires())) {
            throw new FeedException(FeedException.Kind.EXPIRED, "feed expired on " + feed.expires() + " (checked at "
                    + at + ", the later of the clock and this device's time floor); a mirror that stopped"
                    + " updating cannot hold devices back");
        }
        if (lastIssued != null && feed.issued().isBefore(lastIssued)) {
            throw new FeedException(FeedException.Kind.REPLAYED, "feed issued " + feed.issued()
                    + " is older than the one this device already accepted (issued " + lastIssued
                    + "): a freeze or replay; refused");
        }
        return feed;
    }
}
