@file:JvmName("Connections")

package dev.kaio.io

import dev.kaio.timeout
import java.net.InetSocketAddress
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import kotlin.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Both halves of a TCP connection; destructure it: `val (reader, writer) = openConnection(…)`.
 */
public class Connection(
    /** The reading half. */
    public val reader: StreamReader,
    /** The writing half; closing it closes the connection. */
    public val writer: StreamWriter,
) {
    /** [reader], for destructuring. */
    public operator fun component1(): StreamReader = reader

    /** [writer], for destructuring. */
    public operator fun component2(): StreamWriter = writer

    override fun toString(): String = "Connection(peer=${writer.peerAddress})"
}

/**
 * Opens a TCP connection to [host]:[port], asyncio's `open_connection`, on a non-blocking socket
 * served by Kaio's I/O loop (no thread per connection).
 *
 * A host name that is not an IP literal is resolved on `Dispatchers.IO` (name lookups block).
 * Nagle's algorithm is off (`TCP_NODELAY`): a small `write` goes out at once.
 *
 * **Cancellation and timeout.** Cancellable while connecting; the socket is then closed. With a
 * [timeout], a connection not established in time fails with
 * [dev.kaio.DeadlineExceededException] (a `TimeoutException`), never a silent cancellation.
 *
 * @param limit the [StreamReader.limit] of the reader.
 * @throws java.net.ConnectException if the peer refuses the connection.
 * @throws java.nio.channels.UnresolvedAddressException if [host] cannot be resolved.
 * @throws IllegalArgumentException if [port] is outside 0..65535 or [limit] is not positive.
 */
public suspend fun openConnection(
    host: String,
    port: Int,
    timeout: Duration? = null,
    limit: Int = StreamReader.DEFAULT_LIMIT,
): Connection {
    require(port in 0..65535) { "port out of range: $port" }
    require(limit > 0) { "limit must be positive: $limit" }
    return if (timeout == null) connect(host, port, limit) else timeout(timeout) { connect(host, port, limit) }
}

private suspend fun connect(host: String, port: Int, limit: Int): Connection {
    val address = if (isIpLiteral(host)) {
        InetSocketAddress(host, port)
    } else {
        withContext(Dispatchers.IO) { InetSocketAddress(host, port) }
    }
    val loop = SelectorLoop.default
    val channel = SocketChannel.open()
    var connection: SocketConnection? = null
    try {
        channel.configureBlocking(false)
        connection = SocketConnection(loop, channel, limit)
        if (!channel.connect(address)) {
            while (true) {
                connection.socket.await(SelectionKey.OP_CONNECT)
                if (channel.finishConnect()) break
            }
            connection.socket.clearInterest(SelectionKey.OP_CONNECT)
        }
        return Connection(connection.reader, connection.writer)
    } catch (failure: Throwable) {
        connection?.writer?.abort() ?: runCatching { channel.close() }
        throw failure
    }
}

private fun isIpLiteral(host: String): Boolean =
    host.contains(':') || host.matches(Regex("""\d{1,3}(\.\d{1,3}){3}"""))
