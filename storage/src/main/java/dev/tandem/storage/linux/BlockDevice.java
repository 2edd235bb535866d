package dev.tandem.storage.linux;

import com.sun.jna.LastErrorException;
import com.sun.nio.file.ExtendedOpenOption;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.ChannelIo;
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
 *
 * <p>Writes to a block device are gathered into 1 MiB {@code O_DIRECT} writes ({@link WriteWindow}); a write is
 * durable once a later {@link #sync} returns, as the {@link BlockTarget} contract says, and reads, zeroing and
 * syncs first write out what they must see. Regular files (tests, the demo) are written through the page cache.
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
    /** The device opened with O_DIRECT, or null (a file, or a device that refuses direct I/O). */
    private final FileChannel direct;
    private final WriteWindow window;
    private boolean zeroFallback;

    private BlockDevice(Path path, FileChannel channel, int fd, boolean blockDevice, FileChannel direct) {
        this.path = path;
        this.channel = channel;
        this.fd = fd;
        this.blockDevice = blockDevice;
        this.direct = direct;
        this.window = direct == null ? null : new WriteWindow(direct);
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
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new BlockDevice(path, ch, fd, block, block ? openDirect(path) : null);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** The device opened for direct writes, or null when it refuses them (then writes go through the cache). */
    private static FileChannel openDirect(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
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
        if (window != null) {
            synchronized (window) {
                if (WriteWindow.fits(offset, src.remaining())) {
                    window.put(src, offset);
                    return;
                }
                // Unaligned (an image's short last block): through the cache, after what the window holds.
                window.flush();
            }
        }
        ChannelIo.writeFully(channel, src, offset);
    }

    /** Writes out gathered writes that overlap a range about to be read or zeroed. */
    private void flushWindow(long offset, long length) throws IOException {
        if (window != null) {
            synchronized (window) {
                if (window.overlaps(offset, length)) {
                    window.flush();
                }
            }
        }
    }

    private void flushWindow() throws IOException {
        if (window != null) {
            synchronized (window) {
                window.flush();
            }
        }
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        flushWindow(offset, dst.remaining());
        return ChannelIo.readFully(channel, dst, offset);
    }

    @Override
    public void zero(long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        flushWindow(offset, length);
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
        ChannelIo.writeZeros(this, offset, length);
    }

    @Override
    public void sync() throws IOException {
        // fdatasync on any descriptor of a block device flushes the device's cache: the direct writes too.
        flushWindow();
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try {
            flushWindow();
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
            if (direct != null) {
                direct.close();
            }
            LibC.INSTANCE.close(fd);
        }
    }
}
