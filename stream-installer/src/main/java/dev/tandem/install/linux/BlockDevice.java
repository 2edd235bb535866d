package dev.tandem.install.linux;

import com.sun.jna.LastErrorException;
import dev.tandem.boot.storage.BlockTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A slot on a block device or in a regular file, opened for an install.
 *
 * <p>For a block device, a second descriptor opened with {@code O_EXCL} is held for the whole install: the kernel
 * then refuses to mount the device or let another exclusive opener in, and it refuses us if the device is mounted
 * or held (device-mapper, md). Zero ranges use {@code BLKZEROOUT} (or punch holes in a file, which keeps file
 * slots sparse), and closing flushes the device's buffer cache ({@code BLKFLSBUF}) so what is read next comes
 * from the medium.
 */
public final class BlockDevice implements BlockTarget {

    private static final int EOPNOTSUPP = 95;
    private static final int ENOTTY = 25;
    private static final int EINVAL = 22;
    private static final int EBUSY = 16;

    private final Path path;
    private final FileChannel channel;
    private final int fd;
    private final boolean blockDevice;
    private boolean zeroFallback;

    private BlockDevice(Path path, FileChannel channel, int fd, boolean blockDevice) {
        this.path = path;
        this.channel = channel;
        this.fd = fd;
        this.blockDevice = blockDevice;
    }

    /** Whether {@code path} is a block device. */
    public static boolean isBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & 0170000) == 0060000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Opens a slot for writing. A block device is opened exclusively: {@link NativeIoException} with EBUSY when
     * it is mounted or in use.
     */
    public static BlockDevice open(Path path) throws IOException {
        boolean block = isBlockDevice(path);
        int flags = LibC.O_RDWR | LibC.O_CLOEXEC | (block ? LibC.O_EXCL : 0);
        int fd;
        try {
            fd = LibC.INSTANCE.open(path.toString(), flags);
        } catch (LastErrorException e) {
            throw new NativeIoException(block ? "open(O_EXCL)" : "open", path.toString(), e.getErrorCode());
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new BlockDevice(path, ch, fd, block);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** Size of a block device (BLKGETSIZE64) or a file, without opening it for writing. */
    public static long sizeOf(Path path) throws IOException {
        if (!isBlockDevice(path)) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                return ch.size();
            }
        }
        int fd;
        try {
            fd = LibC.INSTANCE.open(path.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new NativeIoException("open", path.toString(), e.getErrorCode());
        }
        try {
            long[] size = new long[1];
            LibC.INSTANCE.ioctl(fd, Ioctl.BLKGETSIZE64, size);
            return size[0];
        } catch (LastErrorException e) {
            throw new NativeIoException("ioctl(BLKGETSIZE64)", path.toString(), e.getErrorCode());
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /** Whether an errno means "busy": mounted or held by another exclusive opener. */
    public static boolean isBusy(NativeIoException e) {
        return e.errno() == EBUSY;
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long size() throws IOException {
        return blockDevice ? sizeOf(path) : channel.size();
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public void zero(long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        if (!zeroFallback) {
            try {
                if (blockDevice) {
                    LibC.INSTANCE.ioctl(fd, Ioctl.BLKZEROOUT, new long[] {offset, length});
                } else {
                    LibC.INSTANCE.fallocate64(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
                }
                return;
            } catch (LastErrorException e) {
                int errno = e.getErrorCode();
                if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EINVAL) {
                    throw new NativeIoException(blockDevice ? "ioctl(BLKZEROOUT)" : "fallocate(PUNCH_HOLE)",
                            path.toString(), errno);
                }
                // Not supported by this device or file system: write zeros from now on.
                zeroFallback = true;
            }
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, length));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            write(zeros, offset + done);
            done += zeros.limit();
        }
    }

    @Override
    public void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try {
            channel.force(true);
            if (blockDevice) {
                try {
                    LibC.INSTANCE.ioctl(fd, Ioctl.BLKFLSBUF);
                } catch (LastErrorException e) {
                    // Needs CAP_SYS_ADMIN; without it the data is synced all the same.
                }
            }
        } finally {
            channel.close();
            LibC.INSTANCE.close(fd);
        }
    }
}
