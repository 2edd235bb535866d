package dev.tandem.agent.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.errors.ErrorMessages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The local API's transport: a Unix socket ({@code /run/tandem/api.sock}, mode 0660, owner root and a configurable
 * group), JSON lines each way, one selector thread for every client. Its clients are hostile in size and pace
 * (SECURITY.md, "Local API socket"): a request line is bounded ({@link Limits#maxLine}), so is the number of
 * clients, a client's queue of unsent lines (a subscriber that does not read is dropped, never buffered without
 * bound) and the time to its first request. A malformed request gets one error line and the connection stays
 * usable; an over-long line gets one error line and is skipped up to its newline. Nothing a client does stops the
 * server.
 */
public final class ApiServer implements AutoCloseable {

    /** Where the daemon listens unless configured otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/tandem/api.sock");

    /**
     * @param maxLine             bytes in a request line, newline excluded
     * @param maxClients          clients connected at once; one more gets an error line and is closed
     * @param maxQueuedBytes      bytes of answers and events queued for a client that is not reading
     * @param firstRequestTimeout how long a client may stay connected without sending a whole request
     */
    public record Limits(int maxLine, int maxClients, int maxQueuedBytes, Duration firstRequestTimeout) {
        public static Limits defaults() {
            return new Limits(8192, 16, 1 << 20, Duration.ofSeconds(30));
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final ApiProtocol protocol;
    private final String tandemVersion;
    private final Limits limits;
    private final Consumer<String> log;
    private final List<Client> clients = new ArrayList<>();
    private final ConcurrentLinkedQueue<Client> toFlush = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean open = true;

    private ApiServer(Path socket, ServerSocketChannel server, Selector selector, ApiProtocol protocol,
                      String tandemVersion, Limits limits, Consumer<String> log) {
        this.socket = socket;
        this.server = server;
        this.selector = selector;
        this.protocol = protocol;
        this.tandemVersion = tandemVersion;
        this.limits = limits;
        this.log = log;
        this.thread = new Thread(this::loop, "tandem-api");
        this.thread.setDaemon(true);
    }

    /**
     * Binds the socket and starts serving.
     *
     * @param group the group that may connect besides root, or null for root only
     * @throws IOException when the socket cannot be made, or another server answers on it
     */
    public static ApiServer start(Path socket, String group, ApiProtocol protocol, String tandemVersion,
                                  Limits limits, Consumer<String> log) throws IOException {
        ServerSocketChannel server = bind(socket, group);
        Selector selector = Selector.open();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        ApiServer s = new ApiServer(socket, server, selector, protocol, tandemVersion, limits, log);
        s.thread.start();
        return s;
    }

    /**
     * Binds in a fresh private directory next to the socket, sets the mode and group there, then renames the
     * socket into place: it never exists at its public path with the umask's mode or the wrong group.
     */
    private static ServerSocketChannel bind(Path socket, String group) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwxr-xr-x")));
        }
        // Whoever may write the directory may rename the socket away and listen in its place: root's own clients
        // would then talk to that process.
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by group or others (" + PosixFilePermissions.toString(mode)
                    + "); the socket there could be replaced; use a directory only root writes, e.g. /run/tandem");
        }
        removeStale(socket);
        Path work = Files.createTempDirectory(dir, ".api-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path bound = work.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(bound));
            PosixFileAttributeView view = Files.getFileAttributeView(bound, PosixFileAttributeView.class);
            view.setPermissions(PosixFilePermissions.fromString("rw-rw----"));
            if (group != null) {
                GroupPrincipal g = bound.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group);
                view.setGroup(g);
            }
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(bound);
            throw e;
        } finally {
            Files.deleteIfExists(work);
        }
        return server;
    }

    /** Removes a socket a dead server left; refuses to replace a live server or anything that is not a socket. */
    private static void removeStale(Path socket) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (!a.isOther()) {
            throw new IOException(socket + " exists and is not a socket; not replacing it");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            throw new IOException("another server answers on " + socket);
        } catch (java.net.ConnectException e) {
            Files.deleteIfExists(socket);
        }
    }

    public Path socket() {
        return socket;
    }

    /** Clients connected now. */
    public synchronized int clientCount() {
        return clients.size();
    }

    /** Stops serving, closes every client and removes the socket. */
    @Override
    public void close() {
        open = false;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.accept("api: cannot remove " + socket + ": " + e.getMessage());
        }
    }

    private void loop() {
        try {
            while (open) {
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (key.isValid() && key.isAcceptable()) {
                            accept();
                        } else if (key.attachment() instanceof Client c) {
                            if (key.isValid() && key.isReadable()) {
                                c.read();
                            }
                            if (key.isValid() && key.isWritable()) {
                                c.flush();
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        if (key.attachment() instanceof Client c) {
                            c.close(null);
                        } else {
                            log.accept("api: accept: " + ErrorMessages.oneLine(e));
                        }
                    }
                }
                selector.selectedKeys().clear();
                for (Client c; (c = toFlush.poll()) != null; ) {
                    c.flushOrDrop();
                }
                closeSilentClients();
            }
        } catch (IOException | RuntimeException e) {
            log.accept("api: stopped: " + ErrorMessages.oneLine(e));
        } finally {
            for (Client c : snapshot()) {
                c.close(null);
            }
            try {
                selector.close();
                server.close();
            } catch (IOException e) {
                log.accept("api: close: " + e.getMessage());
            }
        }
    }

    private synchronized List<Client> snapshot() {
        return new ArrayList<>(clients);
    }

    private void accept() throws IOException {
        SocketChannel ch = server.accept();
        if (ch == null) {
            return;
        }
        ch.configureBlocking(false);
        if (clientCount() >= limits.maxClients()) {
            // One best-effort line (the socket buffer takes it), then close: the daemon never waits for it.
            ch.write(line(ApiProtocol.error(null, null, "too-many-clients", "at most " + limits.maxClients()
                    + " clients at once")));
            ch.close();
            log.accept("api: refused a client: " + limits.maxClients() + " are connected");
            return;
        }
        UnixDomainPrincipal peer = peer(ch);
        String who = peer == null ? "an unknown user" : "user " + peer.user().getName() + " (group "
                + peer.group().getName() + ")";
        Client c = new Client(ch, who);
        synchronized (this) {
            clients.add(c);
        }
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        c.session = protocol.open(c::send, c.who, peer != null && peer.user().getName().equals("root"));
        c.send(ApiProtocol.hello(tandemVersion));
    }

    /**
     * The client's user and group as the kernel reports them (SO_PEERCRED), or null when it cannot tell (then the
     * client counts as not root). A runtime without the jdk.net module cannot either.
     */
    private static UnixDomainPrincipal peer(SocketChannel ch) {
        try {
            return ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException | LinkageError e) {
            return null;
        }
    }

    private void closeSilentClients() {
        long deadline = System.nanoTime() - limits.firstRequestTimeout().toNanos();
        for (Client c : snapshot()) {
            if (!c.spoke && c.connectedAt - deadline < 0) {
                c.close(ApiProtocol.error(null, null, "timeout", "no request within "
                        + limits.firstRequestTimeout().toSeconds() + " s"));
            }
        }
    }

    private static ByteBuffer line(ObjectNode n) {
        return ByteBuffer.wrap((n.toString() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** One connection: its partial request line, its queue of lines to send, its protocol session. */
    private final class Client {
        final SocketChannel ch;
        final String who;
        final long connectedAt = System.nanoTime();
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        final ByteBuffer in = ByteBuffer.allocate(4096);
        SelectionKey key;
        ApiProtocol.Session session;
        /** A whole request arrived: the first-request timeout no longer applies. */
        boolean spoke;
        /** Guarded by this: lines not yet written, their bytes, and whether the queue overflowed. */
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        int queued;
        boolean overflowed;
        /** Inside an over-long line, dropping bytes up to its newline. Selector thread only. */
        boolean skipping;
        volatile boolean closed;

        Client(SocketChannel ch, String who) {
            this.ch = ch;
            this.who = who;
        }

        /** Queues a line from any thread; a client whose queue is full is dropped by the selector thread. */
        void send(ObjectNode n) {
            if (closed) {
                return;
            }
            ByteBuffer b = line(n);
            synchronized (this) {
                if (overflowed) {
                    return;
                }
                if (queued + b.remaining() > limits.maxQueuedBytes()) {
                    overflowed = true;
                    out.clear();
                    queued = 0;
                } else {
                    out.add(b);
                    queued += b.remaining();
                }
            }
            toFlush.add(this);
            if (Thread.currentThread() != thread) {
                selector.wakeup();
            }
        }

        void read() throws IOException {
            in.clear();
            int n = ch.read(in);
            if (n < 0) {
                close(null);
                return;
            }
            in.flip();
            while (in.hasRemaining() && !closed) {
                byte b = in.get();
                if (b == '\n') {
                    if (skipping) {
                        spoke = true;
                        skipping = false;
                    } else {
                        byte[] bytes = partial.toByteArray();
                        partial.reset();
                        // A blank line is no request (the protocol ignores it): it must not lift the timeout.
                        spoke |= !new String(bytes, StandardCharsets.UTF_8).isBlank();
                        request(bytes);
                    }
                } else if (skipping) {
                    continue;
                } else if (partial.size() >= limits.maxLine()) {
                    // One error, then the rest of the line is read and dropped: closing with unread bytes would
                    // reset the connection before the client could read why.
                    send(ApiProtocol.error(null, null, "too-long", "a request line is at most " + limits.maxLine()
                            + " bytes; skipped to its end"));
                    partial.reset();
                    skipping = true;
                } else {
                    partial.write(b);
                }
            }
        }

        private void request(byte[] bytes) {
            String text;
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
                text = chars.toString();
            } catch (CharacterCodingException e) {
                send(ApiProtocol.error(null, null, "bad-request", "a request line is UTF-8"));
                return;
            }
            session.handle(text);
        }

        void flushOrDrop() {
            boolean drop;
            synchronized (this) {
                drop = overflowed;
            }
            if (drop) {
                log.accept("api: dropped " + who + ": more than " + limits.maxQueuedBytes()
                        + " bytes waiting to be read");
                close(null);
                return;
            }
            try {
                flush();
            } catch (IOException e) {
                close(null);
            }
        }

        void flush() throws IOException {
            if (closed) {
                return;
            }
            boolean empty;
            synchronized (this) {
                while (!out.isEmpty()) {
                    ByteBuffer head = out.peek();
                    int before = head.remaining();
                    ch.write(head);
                    queued -= before - head.remaining();
                    if (head.hasRemaining()) {
                        break;
                    }
                    out.poll();
                }
                empty = out.isEmpty();
            }
            if (key.isValid()) {
                key.interestOps(SelectionKey.OP_READ | (empty ? 0 : SelectionKey.OP_WRITE));
            }
        }

        /** Closes the connection, after a best-effort last line. Selector thread only. */
        void close(ObjectNode last) {
            if (closed) {
                return;
            }
            closed = true;
            if (session != null) {
                session.close();
            }
            synchronized (ApiServer.this) {
                clients.remove(this);
            }
            try {
                if (last != null) {
                    ch.write(line(last));
                }
            } catch (IOException ignored) {
                // It is going anyway.
            }
            try {
                key.cancel();
                ch.close();
            } catch (IOException | RuntimeException ignored) {
                // Closing a socket the peer already closed.
            }
        }
    }
}
