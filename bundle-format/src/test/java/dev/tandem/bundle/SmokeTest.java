package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
    @TempDir
    Path dir;

    @Test
    void roundTrip() throws Exception {
        byte[] img = new byte[1_000_000];
        new Random(1).nextBytes(img);
        Arrays.fill(img, 100_000, 400_000, (byte) 0);
        Arrays.fill(img, 500_000, 700_000, (byte) 7);
        Path p = dir.resolve("rootfs.img");
        Files.write(p, img);
        BundleWriter.Result r = new BundleWriter().compatible("c").version("1.0.0").image("rootfs", "rootfs", p)
                .signer(m -> ChunkHasher.sha256().digest(m)).write(dir.resolve("b.tandem"));
        System.out.println(r);
        try (FileSource s = FileSource.open(dir.resolve("b.tandem"))) {
            BundleVerifier.Report rep = BundleVerifier.verifyAll(s, (m, sig) -> {
                if (!MessageDigest.isEqual(sig, ChunkHasher.sha256().digest(m))) throw new IllegalStateException();
            }, dir);
            System.out.println(rep.images());
        }
        Process tar = new ProcessBuilder("tar", "tvf", dir.resolve("b.tandem").toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
    }
}
