package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tandem.bundle.VerificationException;
import dev.tandem.install.http.Fault;
import dev.tandem.install.http.FaultInjectingProxy;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.install.http.SourceException;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.pki.SignatureException;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole installs over HTTP through a {@link FaultInjectingProxy} in front of {@link StaticFileServer}: each fault
 * either completes with a byte-identical slot or fails with a one-line message of a source (exit 7) or
 * verification (exit 3) type and a target the bootloader will not boot. Every byte that reaches the target is
 * checked against the image as it is written.
 */
class InstallThroughFaultyHttpTest {

    static final long IMAGE_SIZE = 24L << 20;
    static final int CHUNK = 64 * 1024;

    @TempDir
    static Path shared;
    static Path pki;
    static Path image;
    static Path bundle;
    static long bundleSize;
    static StaticFileServer origin;
    static InetSocketAddress originAddress;

    @TempDir
    Path dir;
    TestDevice device;

    @BeforeAll
    static void serve() throws IOException {
        pki = TestDevice.makePki(shared.resolve("pki"));
        Path www = Files.createDirectories(shared.resolve("www"));
        image = TestDevice.imageWithZeroRegions(shared.resolve("v2.img"), IMAGE_SIZE, 7);
        TestDevice signer = TestDevice.create(shared.resolve("signer"), pki, f -> f, 0, "");
        bundle = signer.bundle("2.0.0", image, www.resolve("v2.tandem"));
        bundleSize = Files.size(bundle);
        origin = new StaticFileServer(www);
        originAddress = new InetSocketAddress("127.0.0.1", origin.start(new InetSocketAddress("127.0.0.1", 0)));
    }

    @AfterAll
    static void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    @BeforeEach
    void makeDevice() throws IOException {
        device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
    }

    static HttpOptions options() {
        return HttpOptions.defaults().withRetries(3, Duration.ofMillis(10), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    /** What an install through the proxy did. */
    record Outcome(InstallResult result, Exception failure, CheckedTargets targets, int requests) {
    }

    Outcome installThrough(Fault... faults) throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        try (FaultInjectingProxy proxy = FaultInjectingProxy.start(originAddress, faults)) {
            try (HttpSource source = HttpSource.open(proxy.url("v2.tandem"), options())) {
                InstallResult r = device.installer(InstallSettings.defaults(), targets).install(source,
                        InstallOptions.defaults(), InstallListener.NONE);
                return new Outcome(r, null, targets, proxy.requests());
            } catch (IOException | RuntimeException e) {
                return new Outcome(null, e, targets, proxy.requests());
            }
        }
    }

    /** Never an unverified byte; success means a byte-identical, pending slot. */
    void assertCompleted(Outcome o) throws IOException {
        assertThat(o.targets().violations()).isEmpty();
        if (o.failure() != null) {
            fail("install failed: " + o.failure(), o.failure());
        }
        assertThat(TestDevice.firstDifference(device.slotB, image)).isEqualTo(-1);
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.bootloader().primary()).hasValue("B");
    }

    /** A failure of one of {@code types}, one line, and a target that cannot boot and holds no foreign byte. */
    void assertFailedCleanly(Outcome o, List<Class<? extends Exception>> types) throws IOException {
        assertThat(o.targets().violations()).isEmpty();
        assertThat(o.failure()).as("install failed").isNotNull();
        assertThat(types).as("type of " + o.failure()).anyMatch(t -> t.isInstance(o.failure()));
        assertThat(o.failure().getMessage()).doesNotContain("\n").isNotBlank();
        assertThat(device.state(TestDevice.SLOT_B)).isIn(SlotState.WRITING, SlotState.EMPTY);
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        assertThat(device.bootloader().primary()).hasValue("A");
        assertThat(TestDevice.foreignChunks(device.slotB, image, CHUNK)).isEmpty();
    }

    void assertCompletedOrFailedCleanly(Outcome o, List<Class<? extends Exception>> types) throws IOException {
        if (o.failure() == null) {
            assertCompleted(o);
        } else {
            assertFailedCleanly(o, types);
        }
    }

    @Test
    void connectionsCutAfterSomeBytesResumeByRange() throws IOException {
        Outcome o = installThrough(Fault.cutAfter(3L << 20).times(3));
        assertCompleted(o);
        assertThat(o.requests()).isGreaterThan(1);
        assertThat(o.result().downloaded()).isLessThan(bundleSize + (4L << 20));
    }

    @Test
    void resetConnectionsResumeByRange() throws IOException {
        assertCompleted(installThrough(Fault.resetAfter(5L << 20).times(2)));
    }

    @Test
    void aStallLongerThanTheStallTimeoutIsDroppedAndResumed() throws IOException {
        Outcome o = installThrough(Fault.stallAfter(2L << 20, Duration.ofSeconds(3)).times(1));
        assertCompleted(o);
        assertThat(o.requests()).isGreaterThan(1);
    }

    @Test
    void aFlippedByteInAChunkNeverReachesTheSlot() throws IOException {
        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 50);
        Outcome o = installThrough(Fault.flipByteAt(c.offset() + 7).times(1));
        assertCompletedOrFailedCleanly(o, List.of(VerificationException.class));
        assertThat(o.targets().touched(50L * CHUNK, CHUNK) && o.failure() != null).as("chunk 50 written").isFalse();
    }

    @Test
    void aFlippedByteInTheSignedManifestFailsBeforeAnythingIsMarked() throws IOException {
        Outcome o = installThrough(Fault.flipByteAt(1536 + 40).times(1));
        assertFailedCleanly(o, List.of(SignatureException.class, VerificationException.class));
        assertThat(o.targets().opened()).isZero();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void aShorterFileFailsAsASourceError() throws IOException {
        Outcome o = installThrough(Fault.truncateAt(bundleSize / 2));
        assertFailedCleanly(o, List.of(SourceException.class));
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);
    }

    @Test
    void aFileChangedBetweenRequestsFailsAsChanged() throws IOException {
        Outcome o = installThrough(Fault.cutAfter(4L << 20).times(1), Fault.changeFile().fromRequest(2));
        assertFailedCleanly(o, List.of(SourceException.class));
        assertThat(((SourceException) o.failure()).reason()).isEqualTo(SourceException.Reason.CHANGED);
    }

    @Test
    void aServerAnsweringTwoHundredToRangesStillInstalls() throws IOException {
        assertCompleted(installThrough(Fault.ignoreRange()));
    }

    @Test
    void aServerAnsweringTwoHundredToAResumeFailsOrCompletes() throws IOException {
        Outcome o = installThrough(Fault.ignoreRange(), Fault.cutAfter(8L << 20).times(1));
        assertCompletedOrFailedCleanly(o, List.of(SourceException.class));
    }

    @Test
    void transientServerErrorsAreRetried() throws IOException {
        assertCompleted(installThrough(Fault.status(503).times(2)));
    }

    @Test
    void aMissingBundleFailsBeforeAnythingIsMarked() throws IOException {
        Outcome o = installThrough(Fault.status(404));
        assertFailedCleanly(o, List.of(SourceException.class));
        assertThat(((SourceException) o.failure()).reason()).isEqualTo(SourceException.Reason.NOT_FOUND);
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
        assertThat(o.targets().opened()).isZero();
    }
}
