package dev.tandem.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {

    @TempDir
    Path dataDir;

    /** Run in a child JVM: takes the lock, reports progress, holds it until its stdin closes. */
    public static void main(String[] args) throws IOException {
        try (DataDirLock lock = DataDirLock.acquire(Path.of(args[0]), "install")) {
            lock.update("install 37 %");
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold
            }
        }
    }

    @Test
    void aSecondProcessIsToldWhoHoldsTheLockAndWhatItDoes() throws Exception {
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DataDirLockTest.class.getName(), dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            assertThatThrownBy(() -> DataDirLock.acquire(dataDir, "boot-check"))
                    .isInstanceOfSatisfying(BusyException.class,
                            e -> assertThat(e.holder()).isEqualTo("pid " + holder.pid() + ": install 37 %"))
                    .hasMessage("another tandem operation is running (pid " + holder.pid() + ": install 37 %)");
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (DataDirLock again = DataDirLock.acquire(dataDir, "boot-check")) {
            assertThat(Files.readString(again.path())).startsWith("pid " + ProcessHandle.current().pid() + ": boot-check");
        }
    }

    @Test
    void aSecondLockInTheSameProcessIsBusyToo() {
        try (DataDirLock first = DataDirLock.acquire(dataDir, "install")) {
            assertThat(first.path()).exists();
            assertThatThrownBy(() -> DataDirLock.acquire(dataDir, "mark-good"))
                    .isInstanceOf(BusyException.class)
                    .hasMessageContaining("pid " + ProcessHandle.current().pid() + ": install");
        }
    }

    @Test
    void updatingRewritesTheDescriptionInPlace() throws IOException {
        try (DataDirLock lock = DataDirLock.acquire(dataDir, "install")) {
            Object inode = Files.getAttribute(lock.path(), "unix:ino");
            lock.update("install 100 % (syncing)");
            lock.update("install 5 %");

            assertThat(Files.readString(lock.path())).isEqualTo("pid " + ProcessHandle.current().pid() + ": install 5 %\n");
            assertThat(Files.getAttribute(lock.path(), "unix:ino")).as("same inode: a rename would lose the lock")
                    .isEqualTo(inode);
        }
    }

    @Test
    void closingReleasesTheLockAndKeepsTheFile() {
        DataDirLock.acquire(dataDir, "install").close();

        assertThat(Files.exists(dataDir.resolve("lock"))).isTrue();
        DataDirLock.acquire(dataDir, "install").close();
    }

    @Test
    void aLockFileThatCannotBeCreatedNamesTheFileAndTheReason() {
        // sysfs refuses new files even to root with EACCES: the kernel's own "permission denied".
        Path sys = Path.of("/sys/kernel");
        assumeTrue(Files.isDirectory(sys), "no sysfs");
        assertThatThrownBy(() -> DataDirLock.acquire(sys, "install"))
                .isInstanceOf(SlotIoException.class)
                .hasMessageStartingWith("cannot open the lock file /sys/kernel/lock: permission denied");
    }

    @Test
    void aReadOnlyDataDirSaysReadOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting needs root");
        Path ro = Files.createDirectories(dataDir.resolve("ro"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro.toString())
                .inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here");
        try {
            assertThatThrownBy(() -> DataDirLock.acquire(ro, "install"))
                    .isInstanceOf(SlotIoException.class)
                    .hasMessage("cannot open the lock file " + ro.resolve("lock") + ": Read-only file system");
            assertThatThrownBy(() -> DataDirLock.acquire(ro.resolve("tandem"), "install"))
                    .isInstanceOf(SlotIoException.class)
                    .hasMessage("cannot create the data-dir " + ro.resolve("tandem") + ": Read-only file system");
        } finally {
            new ProcessBuilder("umount", ro.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aNonRootUserIsToldToRunAsRoot() {
        String user = System.getProperty("user.name");
        try {
            System.setProperty("user.name", "builder");
            assertThat(DataDirLock.reason(new java.nio.file.AccessDeniedException("/var/lib/tandem/lock")))
                    .isEqualTo("permission denied (run tandem as root)");
        } finally {
            System.setProperty("user.name", user);
        }
    }
}
