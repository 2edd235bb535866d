package dev.tandem.agent.managed;

import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.agent.ddi.DdiConfigData;
import dev.tandem.agent.ddi.DdiException;
import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.storage.DurableFile;
import dev.tandem.slot.state.DeviceSlots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Sends {@link DeviceAttributes} once per change, and whenever the server asks (a {@code configData} link in the
 * poll: hawkBit asks again after every successful update, REPORT.md gotcha 3). The SHA-256 of the last attributes
 * the server accepted is kept in {@code <data-dir>/agent/attributes.sha256}, so a restart does not resend them.
 */
final class AttributeReporter {

    private static final System.Logger LOG = System.getLogger(AttributeReporter.class.getName());

    private final DeviceSlots slots;
    private final DdiClient ddi;
    private final DurableFile sent;
    private String sentHash;

    AttributeReporter(DeviceSlots slots, DdiClient ddi, DurableFile sent) {
        this.slots = slots;
        this.ddi = ddi;
        this.sent = sent;
    }

    /**
     * Sends the attributes if they changed since the last accepted ones or {@code asked}. Failures are logged and
     * retried at the next poll: attributes are never worth stopping an update for.
     *
     * @return whether a request was made and accepted
     */
    boolean sendIfDue(boolean asked) {
        DdiConfigData data = DeviceAttributes.message(DeviceAttributes.of(slots));
        String hash = sha256(DdiJson.write(data));
        if (!asked && hash.equals(lastSent())) {
            return false;
        }
        try {
            ddi.configData(data);
        } catch (DdiException e) {
            LOG.log(System.Logger.Level.WARNING, "configData not sent (retried at the next poll): {0}",
                    e.getMessage());
            return false;
        }
        sentHash = hash;
        try {
            sent.replace((hash + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the attributes sent ({0}); they are sent again after"
                    + " a restart", e.getMessage());
        }
        return true;
    }

    private String lastSent() {
        if (sentHash == null) {
            try {
                Optional<byte[]> bytes = sent.read();
                sentHash = bytes.map(b -> new String(b, StandardCharsets.US_ASCII).trim()).orElse("");
            } catch (IOException e) {
                sentHash = "";
            }
        }
        return sentHash;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
