package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb on a plain Debian 12 (a copy of the debootstrap root that .ci/setup.d/60-dist.sh caches; no JDK in
 * it): dpkg -i, the commands of a build host and of a device with file slots, then dpkg --purge leaves the root as
 * it was, apart from the data-dir and dpkg's own records. Needs root (chroot, mount).
 */
@Tag("slow")
class DebInstallTest {

    private static final Path CACHE = Path.of(System.getProperty("tandem.debootstrap.cache",
            System.getenv().getOrDefault("TANDEM_DEBOOTSTRAP_CACHE", "/var/cache/tandem-debootstrap")));
    /** Where dpkg keeps its records, logs and the test's own scratch files: not part of the comparison. */
    private static final Set<String> NOT_COMPARED = Set.of("/var/lib/dpkg", "/var/log", "/var/cache", "/tmp",
            "/proc", "/data", "/work", "/run");

    @TempDir
    Path tmp;

    @Test
    void installsRunsAndPurgesCleanlyOnPlainDebian() throws Exception {
        Path cached = CACHE.resolve("bookworm");
        assumeTrue(Files.isRegularFile(cached.resolve(".done")),
                "no Debian 12 root in " + cached + " (.ci/setup.d/60-dist.sh makes it)");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for chroot");
        // not in @TempDir: JUnit would follow the root's absolute symlinks in its warnings; removed below
        Path root = Files.createTempDirectory(Path.of("/tmp"), "tandem-deb-root");
        host(600, "cp", "-a", cached.toString() + "/.", root.toString());
        assertThat(root.resolve("usr/bin/java")).doesNotExist();
        boolean procMounted = false;
        try {
            Set<String> before = files(root);
            Files.copy(Dist.deb(), root.resolve("tmp/tandem.deb"));
            // without /proc, as image builders often run dpkg in a chroot: the postinst's archive must still be
            // made (glibc finds the runtime's own libraries through /proc/self/exe)
            chroot(root, 300, "dpkg -i /tmp/tandem.deb");
            assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tandem-boot-check.service"))
                    .as("postinst enables boot-check").isSymbolicLink(); // (absolute: points into the root)
            assertThat(Files.exists(root.resolve("etc/systemd/system/multi-user.target.wants/tandem-agent.service"),
                    LinkOption.NOFOLLOW_LINKS)).as("the agent is not enabled").isFalse();
            assertThat(root.resolve("usr/lib/tandem/lib/tandem.jsa")).as("postinst made the archive without /proc")
                    .isRegularFile();
            host(30, "mount", "-t", "proc", "proc", root.resolve("proc").toString());
            procMounted = true;

            Dist.Result version = chroot(root, 60, "tandem --version");
            assertThat(version.out()).contains("tandem " + Dist.VERSION, "(/usr/lib/tandem/lib/runtime)");
            chroot(root, 60, "JAVA_OPTS=-Xshare:on tandem --version"); // the class-data archive maps here
            assertThat(chroot(root, 60, "tandem --help").out()).contains("install", "boot-check");

            chroot(root, 120, "mkdir -p /work && cd /work && tandem pki dev-ca --out pki"
                    + " && head -c 3000000 /dev/urandom >image.img && truncate -s 8M a.img b.img");
            chroot(root, 300, "cd /work && tandem bundle create --image rootfs=image.img --compatible deb-test"
                    + " --version 1.0.0 --cert pki/signer.pem --key pki/signer.key -o b.tandem");
            assertThat(chroot(root, 300, "tandem bundle verify --keyring /work/pki/keyring.pem /work/b.tandem")
                    .out()).contains("bundle OK");
            Files.writeString(root.resolve("work/system.toml"), """
                    compatible = "deb-test"
                    bootloader = "file"
                    data-dir   = "/data/tandem"
                    keyring    = "/work/pki/keyring.pem"
                    [slots."rootfs.0"]
                    device   = "/work/a.img"
                    class    = "rootfs"
                    bootname = "A"
                    [slots."rootfs.1"]
                    device   = "/work/b.img"
                    class    = "rootfs"
                    bootname = "B"
                    """);
            chroot(root, 300, "tandem --config /work/system.toml --booted rootfs.0 --progress none install"
                    + " /work/b.tandem");
            chroot(root, 60, "cmp -n 3000000 /work/image.img /work/b.img");
            assertThat(chroot(root, 60, "tandem --config /work/system.toml --booted rootfs.0 status").out())
                    .contains("rootfs.1");

            // remove masks the unit (as debhelper's scripts do); installing again must unmask and enable it, or
            // boot-check never runs and every trial falls back
            chroot(root, 300, "dpkg -r tandem && dpkg -i /tmp/tandem.deb");
            assertThat(Files.exists(root.resolve("etc/systemd/system/tandem-boot-check.service"),
                    LinkOption.NOFOLLOW_LINKS)).as("boot-check not masked after remove and install").isFalse();
            assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tandem-boot-check.service"))
                    .as("boot-check enabled again").isSymbolicLink();

            chroot(root, 300, "dpkg --purge tandem");
            Set<String> after = files(root);
            assertThat(root.resolve("data/tandem")).as("purge keeps the data-dir").isDirectory();
            Set<String> left = new TreeSet<>(after);
            left.removeAll(before);
            assertThat(left).as("left behind by dpkg --purge").isEmpty();
        } finally {
            if (procMounted) {
                host(60, "umount", root.resolve("proc").toString());
            }
            host(300, "rm", "-rf", "--one-file-system", root.toString());
        }
    }

    private static Set<String> files(Path root) throws IOException {
        Set<String> files = new TreeSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = "/" + root.relativize(dir);
                if (NOT_COMPARED.contains(name)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                files.add(name);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                files.add("/" + root.relativize(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }

    private Dist.Result chroot(Path root, long timeout, String command) throws Exception {
        return Dist.run(tmp, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "HOME", "/root", "LANG", "C.UTF-8"),
                timeout, "chroot", root.toString(), "/bin/sh", "-ec", command).ok();
    }

    private void host(long timeout, String... command) throws Exception {
        Dist.run(tmp, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), timeout, command).ok();
    }
}
