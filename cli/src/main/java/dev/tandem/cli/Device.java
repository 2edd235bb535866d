package dev.tandem.cli;

import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.config.SystemConfig;

/** Loads the system config and the device's slots as the global options say. */
final class Device {

    private Device() {
    }

    static SystemConfig config(GlobalOptions global) {
        return SystemConfig.load(global.configPath());
    }

    static DeviceSlots open(GlobalOptions global) {
        return DeviceSlots.open(config(global), global.booted);
    }
}
