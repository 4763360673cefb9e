package dev.kaio.java.io;

import dev.kaio.interop.IoInterop;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Opening TCP connections, asyncio's {@code open_connection}, on Kaio's non-blocking sockets (one
 * selector thread for all connections, no thread per connection).
 *
 * <p><b>Sample usage</b>
 * <pre>{@code
 * Streams.openConnection("127.0.0.1", 8888, Duration.ofSeconds(5))
 *     .thenCompose(c -> { c.writer().writeLine("hi"); return c.reader().readLine(); });
 * }</pre>
 */
public final class Streams {
    /** The default reader limit: 64 KiB. */
    public static final int DEFAULT_LIMIT = dev.kaio.io.StreamReader.DEFAULT_LIMIT;

    private Streams() {
    }

    /**
     * Opens a connection without a timeout; see {@link #openConnection(String, int, Duration, int)}.
     *
     * @param host a host name or IP literal
     * @param port the port
     * @return a future of the connection
     */
    public static CompletableFuture<Connection> openConnection(String host, int port) {
        return openConnection(host, port, null, DEFAULT_LIMIT);
    }

    /**
     * Opens a connection; see {@link #openConnection(String, int, Duration, int)}.
     *
     * @param host a host name or IP literal
     * @param port the port
     * @param timeout how long connecting may take, or null for no limit
     * @return a future of the connection
     */
    public static CompletableFuture<Connection> openConnection(String host, int port, Duration timeout) {
        return openConnection(host, port, timeout, DEFAULT_LIMIT);
    }

    /**
     * Opens a TCP connection to {@code host:port}. Host names are resolved on an I/O thread.
     *
     * <p>Cancellation: cancelling the future stops connecting and closes the socket. Interruption
     * plays no part. Failure (unwrapped): {@code java.net.ConnectException} when refused,
     * {@code dev.kaio.DeadlineExceededException} (a {@code TimeoutException}) when
     * {@code timeout} passes, {@code IllegalArgumentException} for a bad port or limit.
     *
     * @param host a host name or IP literal
     * @param port the port
     * @param timeout how long connecting may take, or null for no limit
     * @param limit the reader's line limit in bytes
     * @return a future of the connection
     */
    public static CompletableFuture<Connection> openConnection(String host, int port, Duration timeout, int limit) {
        Objects.requireNonNull(host, "host");
        return IoInterop.openConnection(host, port, timeout, limit,
            c -> new Connection(new StreamReader(c.getReader()), new StreamWriter(c.getWriter())));
    }
}
