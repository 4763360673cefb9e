package dev.kaio.io

import java.io.IOException
import java.net.SocketAddress
import java.nio.ByteBuffer
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * The writing half of a byte stream, asyncio's `StreamWriter`: a TCP connection or the stdin pipe
 * of a [Subprocess].
 *
 * **Writing and backpressure.** [write] never suspends: it sends what the socket accepts at once
 * and keeps the rest in a buffer ([bufferedByteCount]). [drain] is the flow-control point: it
 * returns at once while the buffer holds at most the high-water mark (64 KiB by default), and
 * otherwise suspends until the peer has taken enough to bring it down to the low-water mark
 * (16 KiB). A writer that calls `drain()` after each `write` therefore never buffers more than the
 * high-water mark plus one write, however slow the peer — the usual `write(); drain()` pair of
 * asyncio. (Comparison with `OutputStream`: `write` + `drain` is a `write` that suspends instead
 * of blocking, with a buffer you can size with [setWriteBufferLimits].)
 *
 * **Cancellation.** Cancelling [drain] or [waitClosed] stops the wait only: buffered bytes are
 * still sent. **Thread safety:** all methods may be called from any thread; bytes of concurrent
 * `write` calls are not interleaved within one call.
 *
 * **Failures.** When the connection fails (reset by the peer, a broken pipe), the `IOException`
 * is thrown by the next [write] and by [drain]; buffered bytes are dropped.
 *
 * **Misuse.** [write] after [close], [abort] or [writeEof] throws [IllegalStateException].
 *
 * Instances are made by Kaio; there is no public constructor.
 */
public interface StreamWriter {
    /** The address of the peer for a TCP connection; null for a pipe. */
    public val peerAddress: SocketAddress?

    /** Bytes accepted by [write] and not yet handed to the operating system. */
    public val bufferedByteCount: Long

    /** True once [close] or [abort] was called (asyncio's `is_closing()`). */
    public val isClosing: Boolean

    /**
     * Sends [data], or buffers what cannot be sent now; never suspends. The array is not kept:
     * bytes that must wait are copied.
     *
     * @throws IllegalStateException if the writer was closed or [writeEof] was called.
     * @throws IOException if the connection has failed.
     */
    public fun write(data: ByteArray)

    /**
     * Writes [length] bytes of [data] from [offset]; see [write]. The array is not kept, so a
     * caller may refill it as soon as this returns (a copy loop reusing one buffer).
     *
     * @throws IndexOutOfBoundsException if [offset] and [length] do not fit in [data].
     * @throws IllegalStateException if the writer was closed or [writeEof] was called.
     * @throws IOException if the connection has failed.
     */
    public fun write(data: ByteArray, offset: Int, length: Int)

    /**
     * Writes the remaining bytes of [source] (from its position to its limit) and moves its
     * position to its limit; see [write]. A direct buffer goes to the socket without a copy on the
     * JVM side (bytes that must wait are copied, as always), so a proxy that reads into a direct
     * buffer with [StreamReader.read] and writes it here copies nothing. The buffer is not kept:
     * a caller may `clear()` and refill it as soon as this returns.
     *
     * @throws IllegalStateException if the writer was closed or [writeEof] was called; [source] is
     *   then left as it was.
     * @throws IOException if the connection has failed.
     */
    public fun write(source: ByteBuffer)

    /** Writes [line] encoded as UTF-8 followed by `\n`; see [write]. */
    public fun writeLine(line: String)

    /**
     * Waits until the buffer is small again: returns at once if it holds at most the high-water
     * mark, else suspends until it is down to the low-water mark. Cancellable; no bytes are lost
     * when cancelled.
     *
     * @throws IOException if the connection failed or was aborted, while or before waiting.
     */
    public suspend fun drain()

    /**
     * Sets the high- and low-water marks of [drain] (asyncio's `set_write_buffer_limits`).
     *
     * @throws IllegalArgumentException unless `0 <= low <= high`.
     */
    public fun setWriteBufferLimits(high: Int, low: Int = high / 4)

    /** Closes the sending direction once buffered bytes are sent (TCP half-close; for a pipe, closes it). */
    public fun writeEof()

    /**
     * Closes the stream once the buffered bytes are sent; never suspends. Use [waitClosed] to wait
     * for that. Idempotent. Closing a connection also makes its reader read as ended.
     */
    public fun close()

    /** Closes the stream at once, dropping buffered bytes (a TCP reset). Idempotent. */
    public fun abort()

    /** Suspends until the stream is closed (after [close] has flushed, or after [abort]). Cancellable. */
    public suspend fun waitClosed()
}

/*
 * Common bookkeeping of the writers: a queue of pending buffers under `lock`, the drain waiters,
 * the closing state. Subclasses send bytes: `tryWriteNow` (on the caller's thread, lock held)
 * and `scheduleFlush` (arrange for `flushPending` to run later, e.g. when the socket is writable).
 */
internal abstract class BufferedStreamWriter : StreamWriter {
    protected val lock = Any()
    protected val pending = ArrayDeque<ByteBuffer>()
    private var highWater = 64 * 1024
    private var lowWater = 16 * 1024
    private var closing = false
    private var eofRequested = false
    private var eofDone = false
    private var failure: IOException? = null
    private var abortedLocally = false
    private val drainWaiters = ArrayList<CancellableContinuation<Unit>>()

    /** Completed once the stream is closed (flushed and closed, or aborted); the server watches it too. */
    internal val closed = CompletableDeferred<Unit>()

    @Volatile
    private var buffered = 0L

    override val bufferedByteCount: Long get() = buffered
    override val isClosing: Boolean get() = synchronized(lock) { closing }

    /** Sends as much of [length] bytes of [data] from [offset] as possible now without blocking; returns how many; lock held. */
    protected abstract fun tryWriteNow(data: ByteArray, offset: Int, length: Int): Int

    /** [tryWriteNow] for the remaining bytes of [source], whose position moves past what was sent. */
    protected abstract fun tryWriteNow(source: ByteBuffer): Int

    /** Makes sure [flushPending] runs once the stream can take more bytes; lock held. */
    protected abstract fun scheduleFlush()

    /** Closes the underlying stream; [abort] is true for an abortive close. Lock not held. */
    protected abstract fun closeStream(abort: Boolean)

    /** Closes the sending direction only; lock not held. */
    protected abstract fun shutdownOutput()

    /** Sends pending bytes with [send] (which returns how many were taken) until it takes a partial buffer. */
    protected fun flushPending(send: (ByteBuffer) -> Int) {
        var finish: (() -> Unit)? = null
        synchronized(lock) {
            if (failure != null) return
            try {
                while (pending.isNotEmpty()) {
                    val head = pending.first()
                    buffered -= send(head)
                    if (head.hasRemaining()) break
                    pending.removeFirst()
                }
            } catch (e: IOException) {
                finish = failLocked(e)
            }
            if (failure == null) {
                if (pending.isNotEmpty()) {
                    scheduleFlush()
                } else if (closing) {
                    finish = { closeStream(abort = false); closed.complete(Unit) }
                } else if (eofRequested && !eofDone) {
                    eofDone = true
                    finish = { runCatching { shutdownOutput() } }
                }
            }
        }
        finish?.invoke()
        wakeDrainers()
    }

    /**
     * Like [flushPending] for a blocking [send] (a pipe): sends outside the lock, so [write] never
     * waits for it. Only one thread may run it at a time.
     */
    protected fun flushPendingBlocking(send: (ByteBuffer) -> Int) {
        while (true) {
            val head = synchronized(lock) {
                if (failure != null) return
                pending.firstOrNull()
            } ?: break
            val n = try {
                send(head)
            } catch (e: IOException) {
                fail(e)
                return
            }
            synchronized(lock) {
                if (pending.firstOrNull() === head) {
                    pending.removeFirst()
                    buffered -= n
                }
            }
            wakeDrainers()
        }
        val finish: (() -> Unit)? = synchronized(lock) {
            when {
                failure != null || pending.isNotEmpty() -> null
                closing -> ({ closeStream(abort = false); closed.complete(Unit) })
                eofRequested && !eofDone -> {
                    eofDone = true
                    ({ runCatching { shutdownOutput() } })
                }
                else -> null
            }
        }
        finish?.invoke()
        wakeDrainers()
    }

    /** Records [e], drops the buffer; returns the action that closes the stream (run it without the lock). */
    private fun failLocked(e: IOException): () -> Unit {
        failure = e
        pending.clear()
        buffered = 0
        closing = true
        return { closeStream(abort = true); closed.complete(Unit) }
    }

    /** Called by subclasses when the stream failed outside a flush. */
    protected fun fail(e: IOException) {
        val finish = synchronized(lock) { if (failure == null) failLocked(e) else null }
        finish?.invoke()
        wakeDrainers()
    }

    override fun write(data: ByteArray) = write(data, 0, data.size)

    override fun write(data: ByteArray, offset: Int, length: Int) {
        checkSlice(data, offset, length)
        writeWith(length, { tryWriteNow(data, offset, length) }) { written ->
            ByteBuffer.wrap(data.copyOfRange(offset + written, offset + length))
        }
    }

    override fun write(source: ByteBuffer) {
        writeWith(source.remaining(), { tryWriteNow(source) }) {
            val rest = ByteBuffer.allocate(source.remaining())
            rest.put(source).flip()
        }
    }

    /**
     * The body of both writes: [length] bytes, of which [sendNow] sends what the stream takes at
     * once (when nothing is pending, so that bytes stay in order) and [keepRest] copies the rest,
     * given how many were sent, into a heap buffer for the pending queue.
     */
    private inline fun writeWith(length: Int, sendNow: () -> Int, keepRest: (written: Int) -> ByteBuffer) {
        var finish: (() -> Unit)? = null
        synchronized(lock) {
            // A connection that failed under the writer reports its IOException; a writer the
            // caller closed or aborted reports the misuse.
            failure?.let { if (!abortedLocally) throw it }
            check(!closing && !eofRequested) {
                failure?.let { "write on a StreamWriter whose connection failed: $it" }
                    ?: "write on a StreamWriter that is closed or ended (close, abort or writeEof was called)"
            }
            if (length == 0) return
            var written = 0
            if (pending.isEmpty()) {
                try {
                    written = sendNow()
                } catch (e: IOException) {
                    finish = failLocked(e)
                }
            }
            if (finish == null && written < length) {
                val rest = keepRest(written)
                pending.addLast(rest)
                buffered += rest.remaining()
                if (pending.size == 1) scheduleFlush()
            }
        }
        finish?.let {
            it()
            wakeDrainers()
            throw failure!!
        }
    }

    override fun writeLine(line: String) {
        val bytes = line.toByteArray(Charsets.UTF_8)
        val data = bytes.copyOf(bytes.size + 1)
        data[bytes.size] = '\n'.code.toByte()
        write(data)
    }

    override fun setWriteBufferLimits(high: Int, low: Int) {
        require(low in 0..high) { "write buffer limits must satisfy 0 <= low <= high: high=$high, low=$low" }
        synchronized(lock) {
            highWater = high
            lowWater = low
        }
        wakeDrainers()
    }

    override suspend fun drain() {
        synchronized(lock) {
            failure?.let { throw it }
            if (buffered <= highWater) return
        }
        suspendCancellableCoroutine { continuation ->
            val now = synchronized(lock) {
                if (failure == null && buffered > lowWater) {
                    drainWaiters.add(continuation)
                    false
                } else {
                    true
                }
            }
            if (now) {
                failure?.let { continuation.resumeWithException(it) } ?: continuation.resume(Unit)
            } else {
                continuation.invokeOnCancellation { synchronized(lock) { drainWaiters.remove(continuation) } }
            }
        }
    }

    private fun wakeDrainers() {
        val (waiters, error) = synchronized(lock) {
            if (drainWaiters.isEmpty() || (failure == null && buffered > lowWater)) return
            val all = drainWaiters.toList()
            drainWaiters.clear()
            all to failure
        }
        for (waiter in waiters) if (error != null) waiter.resumeWithException(error) else waiter.resume(Unit)
    }

    override fun writeEof() {
        val now = synchronized(lock) {
            if (closing || eofRequested) return
            eofRequested = true
            (pending.isEmpty()).also { if (it) eofDone = true }
        }
        if (now) runCatching { shutdownOutput() }
    }

    override fun close() {
        val now = synchronized(lock) {
            if (closing) return
            closing = true
            pending.isEmpty()
        }
        if (now) {
            closeStream(abort = false)
            closed.complete(Unit)
        }
    }

    override fun abort() {
        val first = synchronized(lock) {
            val first = failure == null
            if (first) {
                failure = IOException("The stream was aborted")
                abortedLocally = true
            }
            pending.clear()
            buffered = 0
            closing = true
            first
        }
        if (first) {
            closeStream(abort = true)
            closed.complete(Unit)
        }
        wakeDrainers()
    }

    override suspend fun waitClosed() {
        closed.await()
    }
}
