package dev.kaio.java.io;

import dev.kaio.interop.IoInterop;
import dev.kaio.io.Server;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A listening TCP server, asyncio's {@code start_server} and {@code Server}, adapting
 * {@code dev.kaio.io.Server}.
 *
 * <p><b>Threads.</b> Sockets are non-blocking and served by one selector thread; there is no
 * thread per connection. A server started inside an {@code EventLoop} calls each connection's
 * {@link ConnectionHandler} on the loop's thread, and its reads and writes complete there, so
 * handlers that share state need no locks (the single-thread option; each message then passes
 * from the selector thread to the loop's). Elsewhere the handler is called on the selector thread
 * and the futures of its reads complete on Kaio's background threads.
 *
 * <p><b>Lifecycle.</b> {@link #close()} stops listening only; open connections go on until their
 * handlers finish or {@link #closeClients()} / {@link #abortClients()} ends them.
 * {@link #waitClosed()} completes when the listener is closed and every handler has finished.
 * {@link #serveForever()} completes when the server is closed; cancelling its future closes the
 * server and aborts its clients.
 *
 * <p><b>Sample usage</b>
 * <pre>{@code
 * TcpServer server = TcpServer.start("127.0.0.1", 0, (reader, writer) ->
 *     reader.readLine().thenAccept(line -> writer.writeLine("echo: " + line))).join();
 * System.out.println("listening on " + server.port());
 * }</pre>
 */
public final class TcpServer implements AutoCloseable {
    private final Server delegate;

    private TcpServer(Server delegate) {
        this.delegate = delegate;
    }

    /**
     * Starts a server with default options; see {@link Builder#start(ConnectionHandler)}.
     *
     * @param host the address to listen on, e.g. {@code "127.0.0.1"}
     * @param port the port, 0 for a free one
     * @param handler what to do with each connection
     * @return a future of the listening server
     */
    public static CompletableFuture<TcpServer> start(String host, int port, ConnectionHandler handler) {
        return builder(host, port).start(handler);
    }

    /**
     * A builder for a server with options.
     *
     * @param host the address to listen on
     * @param port the port, 0 for a free one
     * @return a builder
     */
    public static Builder builder(String host, int port) {
        return new Builder(Objects.requireNonNull(host, "host"), port);
    }

    /** Options of a {@link TcpServer}. Not thread-safe; reusable. */
    public static final class Builder {
        private final String host;
        private final int port;
        private int maxConnections = Integer.MAX_VALUE;
        private int limit = Streams.DEFAULT_LIMIT;
        private int backlog = 1024;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /**
         * The most connections open at once; new clients wait in the backlog until one ends.
         *
         * @param maxConnections a positive count
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * The line limit of each connection's reader (default 64 KiB).
         *
         * @param limit a positive byte count
         * @return this builder
         */
        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        /**
         * The listen backlog (default 1024, capped by the system).
         *
         * @param backlog the backlog
         * @return this builder
         */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /**
         * Binds and starts accepting. Cancellation: cancelling the future before it completes
         * leaves no server listening. Interruption plays no part. Failure (unwrapped):
         * {@code java.net.BindException} if the address is in use, {@code IllegalArgumentException}
         * for a non-positive limit or connection count.
         *
         * @param handler what to do with each connection
         * @return a future of the listening server
         */
        public CompletableFuture<TcpServer> start(ConnectionHandler handler) {
            Objects.requireNonNull(handler, "handler");
            return IoInterop.startServer(host, port, maxConnections, limit, backlog, (reader, writer) -> {
                try {
                    return handler.handle(new StreamReader(reader), new StreamWriter(writer));
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }, TcpServer::new);
        }
    }

    /**
     * The address listened on, with the bound port.
     *
     * @return the address
     */
    public InetSocketAddress address() {
        return delegate.getAddress();
    }

    /**
     * The bound port (also when 0 was asked for).
     *
     * @return the port
     */
    public int port() {
        return delegate.getPort();
    }

    /**
     * True until {@link #close()}.
     *
     * @return whether the server accepts connections
     */
    public boolean isServing() {
        return delegate.isServing();
    }

    /**
     * How many connections are open now.
     *
     * @return the count
     */
    public int connectionCount() {
        return delegate.getConnectionCount();
    }

    /** Stops listening; open connections are left alone. Never blocks; idempotent. */
    @Override
    public void close() {
        delegate.close();
    }

    /** Closes every open connection gracefully (buffered bytes are sent first). Never blocks. */
    public void closeClients() {
        delegate.closeClients();
    }

    /** Aborts every open connection and cancels its handler's stage. Never blocks. */
    public void abortClients() {
        delegate.abortClients();
    }

    /**
     * Completes when the listener is closed and every handler has finished. Cancellation stops the
     * wait only. Never fails.
     *
     * @return a future of the end
     */
    public CompletableFuture<Void> waitClosed() {
        return IoInterop.waitClosed(delegate);
    }

    /**
     * Completes when the server is closed. Cancelling the future closes the server, aborts its
     * clients and cancels their handlers. Never fails otherwise.
     *
     * @return a future of the end of serving
     */
    public CompletableFuture<Void> serveForever() {
        return IoInterop.serveForever(delegate);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
