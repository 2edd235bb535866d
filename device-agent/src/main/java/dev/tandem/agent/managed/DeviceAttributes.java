package dev.tandem.agent.managed;

import dev.tandem.agent.ddi.DdiConfigData;
import dev.tandem.agent.ddi.DdiUpdateMode;
import dev.tandem.install.Installer;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The attributes the agent sends as {@code configData} (ARCHITECTURE.md §7): what the device is and what its slots hold,
 * so a fleet dashboard can group and filter on them. Values are short strings (hawkBit keeps 128 characters).
 *
 * <pre>
 * tandem.version     the agent's tandem version
 * compatible         the system's compatible
 * bootloader         the bootloader kind
 * booted             the booted slot (rootfs.1)
 * security-floor     the anti-rollback floor
 * slot.NAME.state    per slot: empty, writing, installed, pending, good, bad
 * slot.NAME.version  per slot, when known: the bundle version it holds
 * </pre>
 */
final class DeviceAttributes {

    private DeviceAttributes() {
    }

    /** The attributes as of now, in a fixed order. */
    static Map<String, String> of(DeviceSlots slots) {
        DeviceStatus st = slots.current();
        Map<String, String> a = new LinkedHashMap<>();
        a.put("tandem.version", Installer.VERSION);
        a.put("compatible", slots.config().compatible());
        a.put("bootloader", slots.config().bootloader());
        a.put("booted", slots.booted().name());
        a.put("security-floor", Long.toString(slots.securityFloor()));
        for (Slot s : slots.slots()) {
            SlotStatus ss = st.slot(s.name());
            a.put("slot." + s.name() + ".state", ss.state().jsonName());
            if (ss.version() != null) {
                a.put("slot." + s.name() + ".version", ss.version());
            }
        }
        return a;
    }

    /** The configData message for {@code attributes}: merged into what the server has. */
    static DdiConfigData message(Map<String, String> attributes) {
        return new DdiConfigData(DdiUpdateMode.MERGE, attributes);
    }
}
