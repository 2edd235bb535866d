package dev.tandem.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fsyncs of {@link AtomicReplaceFile}: no power cut can be simulated below the file system, so the test sees
 * each fsync through the channels the file opens, and checks at that moment what a power cut would leave: the new
 * data complete in the temporary file before the rename, the rename done before the directory's fsync.
 */
class AtomicReplaceFileTest {

    @TempDir
    Path dir;

    private final List<String> fsyncs = new ArrayList<>();

    @Test
    void replaceSyncsTheNewDataBeforeTheRenameAndTheDirectoryAfterIt() throws IOException {
        Path file = dir.resolve("status.json");
        Files.writeString(file, "old");
        Path tmp = dir.resolve(".status.json.tmp");
        AtomicReplaceFile replaced = new AtomicReplaceFile(file, (path, options) -> new Recorded(path,
                FileChannel.open(path, options), () -> {
                    if (path.equals(tmp)) {
                        // The data is all there, and the name still shows the old content.
                        assertThat(Files.readString(tmp)).isEqualTo("new content");
                        assertThat(Files.readString(file)).isEqualTo("old");
                    } else {
                        assertThat(Files.readString(file)).isEqualTo("new content");
                        assertThat(tmp).doesNotExist();
                    }
                }));

        replaced.replace("new content".getBytes(StandardCharsets.UTF_8));

        assertThat(fsyncs).containsExactly("fsync " + tmp, "fsync " + dir);
    }

    @Test
    void deleteSyncsTheDirectoryOnlyWhenAFileWasRemoved() throws IOException {
        Path file = dir.resolve("install.json");
        Files.writeString(file, "{}");
        AtomicReplaceFile deleted = new AtomicReplaceFile(file, (path, options) -> new Recorded(path,
                FileChannel.open(path, options), () -> assertThat(file).doesNotExist()));

        deleted.delete();
        assertThat(fsyncs).containsExactly("fsync " + dir);
        deleted.delete();
        assertThat(fsyncs).as("nothing to make durable the second time").containsExactly("fsync " + dir);
    }

    @Test
    void namesItsFileByItsAbsolutePath() {
        Path relative = Path.of("data", "status.json");
        assertThat(DurableFile.at(relative).path()).isEqualTo(relative.toAbsolutePath());
    }

    @Test
    void syncingADirectoryThatIsNotThereIsAnError() throws IOException {
        DurableFile.syncDirectory(dir);
        // A rename made durable in nowhere is an I/O error, never a silent success.
        assertThatThrownBy(() -> DurableFile.syncDirectory(dir.resolve("gone")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    /** A real channel that records its fsyncs and runs a check at each. */
    private final class Recorded extends FileChannel {
        private final Path path;
        private final FileChannel real;
        private final Check atSync;

        Recorded(Path path, FileChannel real, Check atSync) {
            this.path = path;
            this.real = real;
            this.atSync = atSync;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
            atSync.run();
            fsyncs.add("fsync " + path);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }

    private interface Check {
        void run() throws IOException;
    }
}
