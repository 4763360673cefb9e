@file:JvmName("Servers")

package dev.kaio.io

import dev.kaio.ownerScope
import java.net.InetSocketAddress
import java.nio.channels.ClosedChannelException
import java.nio.channels.SelectionKey
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.delay
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory

/**
 * A listening TCP server started by [startServer], asyncio's `Server`.
 *
 * **Lifecycle.** The server accepts connections from the moment [startServer] returns until
 * [close]. Closing stops listening only: connections already open go on until their handlers end,
 * or until [closeClients] / [abortClients] ends them. [waitClosed] waits for both. [serveForever]
 * waits until the server is closed, and closes everything when cancelled. An accept that fails
 * (the process is out of file descriptors, say) is logged and tried again a second later, as
 * asyncio does: the server goes on serving.
 *
 * **Where handlers run.** Handler coroutines are owned by the server, not by the caller of
 * [startServer] (as asyncio's tasks belong to the loop): inside `EventLoop.run` they are cancelled
 * when the loop ends; elsewhere they live until the server ends them. A handler that throws is
 * logged (SLF4J, as asyncio logs "Unhandled exception in client_connected_cb") and its connection
 * is aborted; the server goes on. An `IOException` (the peer reset or vanished) is logged at debug level only.
 */
public interface Server : AutoCloseable {
    /** The address the server listens on; its port is the bound one, also when 0 was asked for. */
    public val address: InetSocketAddress

    /** The bound port. */
    public val port: Int get() = address.port

    /** True until [close] (asyncio's `is_serving()`). */
    public val isServing: Boolean

    /** How many connections are open now (accepted, and their handler not yet finished). */
    public val connectionCount: Int

    /**
     * Stops listening: no new connection is accepted, the port is released. Open connections are
     * left alone (asyncio 3.13). Idempotent, never blocks: the listening socket is closed on the
     * I/O loop a moment later, so a client connecting in that moment may be reset rather than
     * refused; [waitClosed] returns once it is closed.
     */
    override fun close()

    /** Closes every open connection gracefully: buffered bytes are sent, then the socket closes (3.13). */
    public fun closeClients()

    /**
     * Aborts every open connection at once and cancels its handler (3.13's `abort_clients`), also a
     * connection whose handler has returned and that is still sending its buffered bytes.
     */
    public fun abortClients()

    /**
     * Suspends until the server is closed and every handler has finished. Cancellable (the server
     * is not affected).
     */
    public suspend fun waitClosed()

    /**
     * Suspends until the server is [close]d, asyncio's `serve_forever`. When the calling task is
     * cancelled, the server is closed, its clients aborted and their handlers awaited before the
     * cancellation propagates: nothing is left running.
     */
    public suspend fun serveForever()
}

/**
 * Starts a TCP server on [host]:[port], asyncio's `start_server`: for each connection, [handler]
 * runs in a new coroutine with the connection's reader and writer. When the handler returns, the
 * connection is closed (after its buffered bytes are sent); when it throws, the failure is logged
 * and the connection aborted.
 *
 * Sockets are non-blocking and served by Kaio's I/O loop, one selector thread; **handlers run on
 * that thread** unless [context] names a dispatcher, as asyncio's handlers run on the loop. A
 * handler waiting for its socket is resumed by the readiness event itself, in the loop's selector
 * callback (no dispatch, no queue: the shape of a hand-written NIO server), with the
 * thread-context elements of its context (MDC, context variables) set around it as a dispatch
 * would; other work on the loop runs between the loop's `select` calls. That is the fastest shape
 * for I/O-bound handlers; a handler that computes for long, or blocks, must move that work
 * elsewhere (`withContext(Dispatchers.Default)`, `toThread { }`) or pass a dispatcher in
 * [context] (it is then resumed on that dispatcher), or it stalls every connection.
 *
 * Use port 0 for a free port and read it back from [Server.port].
 *
 * @param maxConnections the most connections open at once: while that many are open, the server
 *   stops accepting, and new clients wait in the listen backlog until one ends.
 * @param limit the [StreamReader.limit] of each connection's reader.
 * @param backlog the listen backlog (capped by the system's `somaxconn`).
 * @throws java.net.BindException if the address is in use.
 * @throws IllegalArgumentException if [maxConnections] or [limit] is not positive, [port] is out of
 *   range, or [context] holds a `Job`.
 */
public suspend fun startServer(
    host: String,
    port: Int,
    maxConnections: Int = Int.MAX_VALUE,
    limit: Int = StreamReader.DEFAULT_LIMIT,
    backlog: Int = 1024,
    context: CoroutineContext = EmptyCoroutineContext,
    handler: suspend (reader: StreamReader, writer: StreamWriter) -> Unit,
): Server {
    require(maxConnections > 0) { "maxConnections must be positive: $maxConnections" }
    require(limit > 0) { "limit must be positive: $limit" }
    require(port in 0..65535) { "port out of range: $port" }
    // Handlers must be the server's children: with a Job of the caller's, waitClosed and a
    // cancelled serveForever would not wait for them.
    require(context[Job] == null) {
        "context must not hold a Job (handlers belong to the server); pass a dispatcher or other elements: $context"
    }
    val channel = ServerSocketChannel.open()
    try {
        channel.configureBlocking(false)
        channel.bind(InetSocketAddress(host, port), backlog)
    } catch (failure: Throwable) {
        channel.close()
        throw failure
    }
    return RealServer(channel, ownerScope(), maxConnections, limit, context, handler).also { it.start() }
}

/*
 * Jobs:  owner scope ─ serverJob (supervisor)
 *                        ├─ accept loop (on the I/O loop)
 *                        └─ handlersJob (supervisor) ─ one job per connection
 * close() cancels the accept loop and closes the channel; waitClosed() joins the accept loop and,
 * once the listener is closed, completes handlersJob and joins it (that waits for every handler).
 */
private class RealServer(
    private val channel: ServerSocketChannel,
    owner: CoroutineScope,
    maxConnections: Int,
    private val limit: Int,
    private val context: CoroutineContext,
    private val handler: suspend (StreamReader, StreamWriter) -> Unit,
) : Server {
    private val loop = SelectorLoop.default
    private val listener = NioSocket(loop, channel)
    private val serverJob = SupervisorJob(owner.coroutineContext.job)
    private val handlersJob = SupervisorJob(serverJob)
    private val scope = CoroutineScope(owner.coroutineContext + serverJob + loop + CoroutineName("kaio-server"))
    private val permits = Semaphore(maxConnections)
    private val connections = ConcurrentHashMap.newKeySet<Pair<Job, SocketConnection>>()

    /** Connections whose handler has finished but whose writer is still sending before it closes. */
    private val sending = ConcurrentHashMap.newKeySet<SocketConnection>()
    private val listenerClosed = CompletableDeferred<Unit>()
    private lateinit var acceptJob: Job

    override val address: InetSocketAddress = channel.localAddress as InetSocketAddress

    @Volatile
    override var isServing: Boolean = true
        private set

    override val connectionCount: Int get() = connections.size

    fun start() {
        acceptJob = scope.launch { acceptLoop() }
        acceptJob.invokeOnCompletion {
            listener.close()
            listenerClosed.complete(Unit)
            handlersJob.complete()
            serverJob.complete()
        }
    }

    private suspend fun acceptLoop() {
        while (true) {
            permits.acquire()
            val accepted: SocketChannel = try {
                acceptOne()
            } catch (failure: Throwable) {
                permits.release()
                throw failure
            }
            val connection = try {
                SocketConnection(loop, accepted, limit)
            } catch (failure: Exception) {
                log.warn("Could not set up an accepted connection", failure)
                runCatching { accepted.close() }
                permits.release()
                continue
            }
            serve(connection)
        }
    }

    private suspend fun acceptOne(): SocketChannel {
        while (true) {
            val accepted = try {
                channel.accept()
            } catch (closed: ClosedChannelException) {
                throw CancellationException("The server was closed")
            } catch (failure: java.io.IOException) {
                // Out of file descriptors or buffers (EMFILE, ENFILE, ENOBUFS): the pending client
                // stays in the backlog and the listener stays ready. Ending the accept loop here would
                // stop the server for good over a passing shortage; asyncio logs it and tries again
                // a moment later (ACCEPT_RETRY_DELAY), and so does this loop.
                log.error("accept() failed on {}; trying again in {}", address, ACCEPT_RETRY_DELAY, failure)
                delay(ACCEPT_RETRY_DELAY)
                continue
            }
            if (accepted != null) return accepted
            listener.await(SelectionKey.OP_ACCEPT)
            if (listener.closed) throw CancellationException("The server was closed")
        }
    }

    private fun serve(connection: SocketConnection) {
        val job = scope.launch(handlersJob + context, start = CoroutineStart.LAZY) {
            try {
                handler(connection.reader, connection.writer)
                connection.writer.close()
            } catch (cancelled: CancellationException) {
                connection.writer.abort()
                throw cancelled
            } catch (failure: java.io.IOException) {
                // The peer reset or vanished: part of a server's life, not a bug of the handler.
                log.debug("Connection with {} failed: {}", connection.writer.peerAddress, failure.toString())
                connection.writer.abort()
            } catch (failure: Throwable) {
                log.error("Unhandled exception in a connection handler (peer ${connection.writer.peerAddress})", failure)
                connection.writer.abort()
            }
        }
        val entry = job to connection
        connections.add(entry)
        job.invokeOnCompletion { cause ->
            // A handler cancelled before its first step (its dispatcher had not run it yet when the
            // server's owner ended) never ran the body above, which closes the connection: abort it
            // here. Idempotent when the body did.
            if (cause != null) connection.writer.abort()
            // A handler that returned leaves its writer closing, still sending what it buffered to
            // a peer that may never read it: abortClients must still be able to end it. Added
            // before the entry is removed, so that abortClients finds it in one of the two sets.
            if (!connection.writer.closed.isCompleted) {
                sending.add(connection)
                connection.writer.closed.invokeOnCompletion { sending.remove(connection) }
            }
            connections.remove(entry)
            permits.release()
        }
        job.start()
    }

    override fun close() {
        isServing = false
        if (::acceptJob.isInitialized) acceptJob.cancel()
        listener.close()
    }

    override fun closeClients() {
        // A snapshot: handlers that end meanwhile remove themselves (ArrayList copies via toArray, race-free).
        for ((_, connection) in ArrayList(connections)) connection.writer.close()
    }

    override fun abortClients() {
        for ((job, connection) in ArrayList(connections)) {
            connection.writer.abort()
            job.cancel()
        }
        for (connection in ArrayList(sending)) connection.writer.abort()
    }

    override suspend fun waitClosed() {
        listenerClosed.await()
        handlersJob.join()
    }

    override suspend fun serveForever() {
        try {
            listenerClosed.await()
        } catch (cancelled: CancellationException) {
            withContext(NonCancellable) {
                close()
                abortClients()
                waitClosed()
            }
            throw cancelled
        }
    }

    override fun toString(): String = "Server($address, serving=$isServing, connections=$connectionCount)"

    private companion object {
        val log = LoggerFactory.getLogger(Server::class.java)

        /** How long the accept loop waits after a failed accept, asyncio's `ACCEPT_RETRY_DELAY`. */
        val ACCEPT_RETRY_DELAY = 1.seconds
    }
}
