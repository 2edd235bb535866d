package dev.tandem.slot.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotIoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusStoreTest {

    @TempDir
    Path dir;

    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");
    private final Slot a = new Slot("rootfs.0", "rootfs", "A", Path.of("/dev/a"), null);
    private final Slot b = new Slot("rootfs.1", "rootfs", "B", Path.of("/dev/b"), null);
    private final Slot appA = new Slot("appfs.0", "appfs", null, Path.of("/dev/c"), "rootfs.0");

    private DeviceStatus sample() {
        SlotStatus installed = new SlotStatus(SlotState.INSTALLED, "2.1.0", "ab".repeat(32), "cd".repeat(32), 7L, T,
                T, T.plusSeconds(5), "boot-1", 0, null);
        return new DeviceStatus(1, 6, T, List.of(new FailedBundle("ef".repeat(32), "2.0.9", "rootfs.1", "fallback", T)),
                Map.of("rootfs.0", SlotStatus.of(SlotState.GOOD, T, "boot-0"), "rootfs.1", installed));
    }

    @Test
    void whatIsSavedIsReadBackUnchanged() {
        StatusStore store = StatusStore.in(dir);
        DeviceStatus status = sample();

        store.save(status);

        assertThat(store.read()).hasValue(status);
    }

    @Test
    void theFileIsVersionedKebabCaseJsonWithLowerCaseStates() throws IOException {
        StatusStore.in(dir).save(sample());

        String json = Files.readString(dir.resolve("status.json"));

        assertThat(json).contains("\"format\" : 1", "\"security-floor\" : 6", "\"time-floor\" : \"2026-11-21T10:00:00Z\"",
                "\"failed-bundles\"", "\"state\" : \"installed\"", "\"bundle-id\"", "\"boot-id\" : \"boot-1\"");
    }

    @Test
    void aCrashBetweenTempWriteAndRenameLeavesTheOldFileReadable() throws IOException {
        StatusStore store = StatusStore.in(dir);
        DeviceStatus old = sample();
        store.save(old);
        // What a power cut after writing the temp file and before the rename leaves behind.
        Files.writeString(dir.resolve(".status.json.tmp"), "{\"format\": 1, \"slots\": {\"rootfs.0\": {\"st");

        assertThat(store.read()).hasValue(old);
        store.save(old.withSecurityFloorAtLeast(9));
        assertThat(store.read().orElseThrow().securityFloor()).isEqualTo(9);
    }

    @Test
    void aFactoryFreshDeviceHasItsBootedGroupGoodAndTheRestEmpty() {
        DeviceStatus st = StatusStore.in(dir).load(List.of(a, b, appA), a, 3, T, "boot-0");

        assertThat(st.slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
        assertThat(st.slot("appfs.0").state()).isEqualTo(SlotState.GOOD);
        assertThat(st.slot("rootfs.1").state()).isEqualTo(SlotState.EMPTY);
        assertThat(st.securityFloor()).isEqualTo(3);
        assertThat(Files.exists(dir.resolve("status.json"))).as("loading writes nothing").isFalse();
    }

    @Test
    void loadingAddsNewSlotsAsEmptyAndDropsSlotsNoLongerConfigured() {
        StatusStore store = StatusStore.in(dir);
        store.save(sample().withSlot("old.0", SlotStatus.of(SlotState.GOOD, T, "x")));

        DeviceStatus st = store.load(List.of(a, b, appA), a, 0, T, "boot-2");

        assertThat(st.slots()).containsOnlyKeys("rootfs.0", "rootfs.1", "appfs.0");
        assertThat(st.slot("appfs.0").state()).as("known device: not factory fresh").isEqualTo(SlotState.EMPTY);
        assertThat(st.securityFloor()).isEqualTo(6);
    }

    @Test
    void unknownFieldsFromANewerTandemAreIgnored() throws IOException {
        Files.writeString(dir.resolve("status.json"), """
                {"format": 1, "security-floor": 2, "added-later": true,
                 "slots": {"rootfs.0": {"state": "good", "boot-attempts": 0, "new-field": "x"}}}
                """);

        assertThat(StatusStore.in(dir).read().orElseThrow().slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
    }

    @Test
    void aNewerFormatIsRefused() throws IOException {
        Files.writeString(dir.resolve("status.json"), "{\"format\": 2, \"slots\": {}}");

        assertThatThrownBy(() -> StatusStore.in(dir).read()).isInstanceOf(SlotIoException.class)
                .hasMessageContaining("format 2 is not the format 1 this tandem reads");
    }

    @Test
    void aCorruptFileIsRefusedWithItsPath() throws IOException {
        Files.writeString(dir.resolve("status.json"), "{\"format\": 1, \"slots\": {\"rootfs.0\": {\"state\": \"fine\"}}}");

        assertThatThrownBy(() -> StatusStore.in(dir).read()).isInstanceOf(SlotIoException.class)
                .hasMessageContaining(dir.resolve("status.json") + ": cannot parse");
    }

    @Test
    void failedBundlesAreBoundedDroppingTheOldest() {
        DeviceStatus st = sample();
        for (int i = 0; i < DeviceStatus.MAX_FAILED_BUNDLES + 5; i++) {
            st = st.withFailedBundle(new FailedBundle("id-" + i, "1.0." + i, "rootfs.1", "r", T));
        }

        assertThat(st.failedBundles()).hasSize(DeviceStatus.MAX_FAILED_BUNDLES);
        assertThat(st.failedBundles().get(0).bundleId()).isEqualTo("id-5");
        assertThat(st.hasFailed("id-20")).isTrue();
        assertThat(st.hasFailed("id-0")).isFalse();
    }

    @Test
    void floorsOnlyRise() {
        DeviceStatus st = sample().withSecurityFloorAtLeast(2).withTimeFloorAtLeast(T.minusSeconds(60));

        assertThat(st.securityFloor()).isEqualTo(6);
        assertThat(st.timeFloor()).isEqualTo(T);
    }
}
