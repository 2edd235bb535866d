package dev.tandem.boot;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the real barebox-state (dt-utils) on a state image file. On a device the state backend is found through
 * the device tree; here {@code bootstate.dtb} (passed with {@code --input}) puts it on a partition with a
 * {@code partuuid}, which barebox-state opens as {@code /dev/disk/by-partuuid/<partuuid>}. That name is made a
 * link to the image inside a private mount namespace ({@code unshare --mount}, a tmpfs over /dev), so nothing
 * on the host changes. Tests are skipped where barebox-state or unshare cannot run (not root, no user
 * namespaces).
 */
final class BareboxStateFixture {

    private static final String IN_NAMESPACE = "mount -t tmpfs tandem-test /dev"
            + " && mkdir -p /dev/disk/by-partuuid"
            + " && ln -s \"$0\" /dev/disk/by-partuuid/tandem-test-state"
            + " && exec barebox-state \"$@\"";

    final Path image;
    final Path dtb;

    private BareboxStateFixture(Path image, Path dtb) {
        this.image = image;
        this.dtb = dtb;
    }

    /** An empty state image (barebox-state then reports the defaults of bootstate.dts) in {@code dir}. */
    static BareboxStateFixture create(Path dir) throws Exception {
        assumeTrue(Tools.installed("barebox-state"), "barebox-state (dt-utils) not installed");
        assumeTrue(Tools.installed("unshare"), "unshare (util-linux) not installed");
        Path dtb = dir.resolve("bootstate.dtb");
        try (InputStream in = BareboxStateFixture.class.getResourceAsStream("bootstate.dtb")) {
            Files.copy(in, dtb);
        }
        Path image = dir.resolve("state.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(0x1000);
        }
        BareboxStateFixture fixture = new BareboxStateFixture(image, dtb);
        List<String> probe = new ArrayList<>(fixture.command());
        probe.addAll(List.of("-g", "bootstate.A.priority"));
        Tools.Run r = Tools.run(probe);
        assumeTrue(r.exitCode() == 0, "barebox-state cannot run in a private mount namespace here: " + r.stderr());
        return fixture;
    }

    /** The command prefix that runs barebox-state on this image. */
    List<String> command() {
        return List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", IN_NAMESPACE,
                image.toString(), "--input", dtb.toString());
    }

    /** Runs barebox-state with {@code args} and returns stdout. */
    String run(String... args) {
        List<String> c = new ArrayList<>(command());
        c.addAll(List.of(args));
        return Tools.ok(c);
    }
}
