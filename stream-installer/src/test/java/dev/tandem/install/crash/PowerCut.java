package dev.tandem.install.crash;

import dev.tandem.install.SavedTables;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.DurableFile;
import dev.tandem.storage.StorageInterposer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A power-cut simulator for the durable writes of an install (ARCHITECTURE.md §10). It counts write barriers: each
 * {@link BlockTarget#sync}, and the two of a {@link DurableFile#replace} (the temporary file's fsync, then the
 * rename made durable by the directory's fsync) or the one of a {@link DurableFile#delete}. At barrier number
 * {@code cutAt} the power goes: what was written to a target after its last completed sync is kept, dropped or
 * torn at a 512-byte boundary ({@link Policy}); a replace cut at its rename leaves the old or the new content
 * (the rename may vanish); everything after that fails without effect. The saved tables ({@link SavedTables.Disk})
 * are cut alike: their syncs, and each rename or delete, are barriers. Writes go to the real files at once,
 * as they reach a page cache; an undo log since each target's last sync makes the cut.
 */
public final class PowerCut extends StorageInterposer {

    /** What happens to writes that no barrier made durable. */
    public enum Policy {
        /** The disk happened to write everything. */
        KEEP,
        /** The disk wrote nothing since the last barrier. */
        DROP,
        /** Each write since the last barrier reached the disk up to a random 512-byte boundary. */
        TEAR
    }

    /** Thrown where the power went; an Error, so that no catch of exceptions in the code under test stops it. */
    public static final class Cut extends Error {
        Cut(String where) {
            super("power cut at " + where, null, false, false);
        }
    }

    private final int cutAt;
    private final Policy policy;
    private final Random random;
    private final List<Undo> pending = new ArrayList<>();
    /** Saved-table files: not committed when closed, so their unsynced writes are forgotten (the file goes). */
    private final List<BlockTarget> forgetOnClose = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private int barriers;
    private String where;
    private String what;
    private boolean off;

    /** One write since its target's last sync: where, and the bytes it replaced. */
    private record Undo(BlockTarget target, long offset, byte[] before) {
    }

    public PowerCut(int cutAt, Policy policy, long seed) {
        this.cutAt = cutAt;
        this.policy = policy;
        this.random = new Random(seed);
    }

    /** Barriers passed so far (after a complete run: how many cut points there are). */
    public synchronized int barriers() {
        return barriers;
    }

    /** What each barrier passed so far was ("sync slot-b.img", "rename of install.json", ...), in order. */
    public synchronized List<String> barrierNames() {
        return List.copyOf(names);
    }

    /** Where the power went, or null. */
    public synchronized String where() {
        return where;
    }

    /** The barrier the power went at, without its number: "sync slot-b.img", "rename of status.json", ... */
    public synchronized String what() {
        return what;
    }

    public synchronized boolean happened() {
        return off;
    }

    private void requirePower() {
        if (off) {
            throw new Cut(where + " (after the cut)");
        }
    }

    /** Counts a barrier; at the cut, applies the policy to unsynced writes and returns true. */
    private boolean barrier(String what) {
        requirePower();
        barriers++;
        names.add(what.replaceAll("/\\S*/", ""));
        if (barriers != cutAt) {
            return false;
        }
        off = true;
        this.what = what.replaceAll("/\\S*/", "");
        where = "barrier " + barriers + " (" + what + ", " + policy + ")";
        try {
            for (int i = pending.size() - 1; i >= 0; i--) {
                Undo u = pending.get(i);
                int keep = switch (policy) {
                    case KEEP -> u.before().length;
                    case DROP -> 0;
                    case TEAR -> Math.min(u.before().length, 512 * random.nextInt(u.before().length / 512 + 2));
                };
                if (keep < u.before().length) {
                    u.target().write(ByteBuffer.wrap(u.before(), keep, u.before().length - keep), u.offset() + keep);
                }
            }
            pending.clear();
        } catch (IOException e) {
            throw new IllegalStateException("cannot undo unsynced writes", e);
        }
        return true;
    }

    /**
     * The saved tables' files: a table is written to a new file (its writes count until its sync), renamed into
     * place (cut at the rename: done or not) and deleted (cut: done or not).
     */
    public SavedTables.Disk wrap(SavedTables.Disk real) {
        return new SavedTables.Disk() {
            @Override
            public BlockTarget create(Path file) throws IOException {
                synchronized (PowerCut.this) {
                    requirePower();
                    // A table not committed is deleted when closed: its unsynced writes go with it.
                    BlockTarget table = real.create(file);
                    forgetOnClose.add(table);
                    return wrap(table);
                }
            }

            @Override
            public void rename(Path from, Path to) throws IOException {
                synchronized (PowerCut.this) {
                    if (barrier("rename of " + to.getFileName())) {
                        if (!vanishes()) {
                            real.rename(from, to);
                        }
                        throw new Cut(where);
                    }
                    real.rename(from, to);
                }
            }

            @Override
            public void delete(Path file) throws IOException {
                synchronized (PowerCut.this) {
                    if (!Files.exists(file)) {
                        requirePower();
                        return;
                    }
                    if (barrier("delete of " + file.getFileName())) {
                        if (!vanishes()) {
                            real.delete(file);
                        }
                        throw new Cut(where);
                    }
                    real.delete(file);
                }
            }
        };
    }

    /** Whether a rename or delete cut at its barrier is lost. */
    private boolean vanishes() {
        return switch (policy) {
            case KEEP -> false;
            case DROP -> true;
            case TEAR -> random.nextBoolean();
        };
    }

    // A target's writes count until its syncs make them durable.

    @Override
    protected synchronized void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
        requirePower();
        remember(real, offset, src.remaining());
        real.write(src, offset);
    }

    @Override
    protected synchronized void zero(BlockTarget real, long offset, long length) throws IOException {
        requirePower();
        remember(real, offset, (int) length);
        real.zero(offset, length);
    }

    @Override
    protected synchronized void close(BlockTarget real) throws IOException {
        if (forgetOnClose.remove(real)) {
            pending.removeIf(u -> u.target() == real);
        }
        real.close();
    }

    @Override
    protected synchronized void sync(BlockTarget real) throws IOException {
        if (barrier("sync " + real.name())) {
            throw new Cut(where);
        }
        real.sync();
        pending.removeIf(u -> u.target() == real);
    }

    private void remember(BlockTarget real, long offset, int length) throws IOException {
        byte[] before = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(before);
        real.read(b, offset);
        pending.add(new Undo(real, offset, before));
    }

    // A file replaced whole: cut before its data is durable, the old content stays; at its rename, either.

    @Override
    protected synchronized void replace(DurableFile real, byte[] content) throws IOException {
        String name = real.path().getFileName().toString();
        if (barrier("fsync of the new " + name)) {
            throw new Cut(where);
        }
        Optional<byte[]> old = real.read();
        real.replace(content);
        if (barrier("rename of " + name)) {
            boolean vanished = switch (policy) {
                case KEEP -> false;
                case DROP -> true;
                case TEAR -> random.nextBoolean();
            };
            if (vanished) {
                restore(real, old);
            }
            throw new Cut(where);
        }
    }

    @Override
    protected synchronized void delete(DurableFile real) throws IOException {
        Optional<byte[]> old = real.read();
        real.delete();
        if (barrier("delete of " + real.path().getFileName())) {
            if (policy == Policy.DROP || policy == Policy.TEAR && random.nextBoolean()) {
                restore(real, old);
            }
            throw new Cut(where);
        }
    }

    private static void restore(DurableFile file, Optional<byte[]> old) throws IOException {
        if (old.isPresent()) {
            file.replace(old.get());
        } else {
            file.delete();
        }
    }
}
