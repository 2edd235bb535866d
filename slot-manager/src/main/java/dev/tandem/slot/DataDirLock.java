package dev.tandem.slot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock every state-changing command holds on {@code <data-dir>/lock} (ARCHITECTURE.md §5), so two
 * installs, or an install and boot-check, never interleave. It fails fast instead of waiting: a second
 * operation gets a {@link BusyException} naming the holder ("pid 4242: install 37 %").
 *
 * <p>The lock file is rewritten in place, not through {@code DurableFile}: replacing it by rename would give
 * later openers a new inode that nobody has locked. It is not durable on purpose; after a reboot no lock is
 * held, whatever it says. It is never deleted either: deleting a lock file lets two processes lock two inodes.
 */
public final class DataDirLock implements AutoCloseable {

    /** The lock file's name in the data-dir. */
    public static final String FILE_NAME = "lock";

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final long pid = ProcessHandle.current().pid();

    private DataDirLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock or fails at once.
     *
     * @param operation what the holder does, shown to whoever finds the lock taken ("install", "boot-check")
     * @throws BusyException when another process (or another lock in this process) holds it
     */
    public static DataDirLock acquire(Path dataDir, String operation) {
        Path path = dataDir.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new SlotIoException("cannot create the data-dir " + dataDir + ": " + reason(e), e);
        }
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SlotIoException("cannot open the lock file " + path + ": " + reason(e), e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // This JVM already holds it (POSIX locks are per process, so the JDK refuses a second one).
                lock = null;
            }
            if (lock == null) {
                String holder = readHolder(channel);
                channel.close();
                throw new BusyException(holder);
            }
            DataDirLock held = new DataDirLock(path, channel, lock);
            held.update(operation);
            return held;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new SlotIoException("lock " + path + ": " + reason(e), e);
        }
    }

    /** Rewrites what the lock file says the holder is doing, e.g. {@code install 37 %}. */
    public void update(String progress) {
        byte[] text = ("pid " + pid + ": " + progress + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            // Write first, then cut: a reader never finds the file empty.
            ByteBuffer buf = ByteBuffer.wrap(text);
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
            channel.truncate(text.length);
        } catch (IOException e) {
            throw new SlotIoException("lock " + path + ": cannot update: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Releases the lock; the file stays. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            throw new SlotIoException("lock " + path + ": cannot release: " + e.getMessage(), e);
        }
    }

    /**
     * Why a file operation failed, in words: a FileSystemException's message is often just the path
     * ("lock /var/lib/tandem/lock: /var/lib/tandem/lock" was all a non-root install said).
     */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            boolean root = "root".equals(System.getProperty("user.name"));
            return "permission denied" + (root ? "" : " (run tandem as root)");
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(512);
        channel.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
        int nl = text.indexOf('\n');
        text = nl < 0 ? text : text.substring(0, nl);
        return text.isEmpty() ? "pid unknown" : text;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing; the first error is the one to report.
            }
        }
    }
}
