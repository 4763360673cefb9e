package dev.kaio.io

import dev.kaio.interop.ResultClaim
import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * The reading half of a byte stream, asyncio's `StreamReader`: a TCP connection
 * ([openConnection], [startServer]) or a pipe from a [Subprocess].
 *
 * **Comparison with `InputStream`.** The methods suspend instead of blocking a thread, and the
 * reader has a buffer with the parsing methods a protocol needs: [readLine], [readUntil],
 * [readExactly]. Like `InputStream`, it pulls: bytes are taken from the socket only when a read
 * asks for them, so a reader that stops reading makes the peer's writes wait (TCP flow control),
 * and the buffer never holds more than [limit] plus one network read.
 *
 * **Cancellation.** Every method is cancellable while it waits for data, and cancel-safe: a
 * cancelled read consumes nothing; bytes that arrived stay in the buffer for the next read.
 *
 * **One reader at a time.** A second coroutine that reads while another one is reading gets an
 * [IllegalStateException] (asyncio raises `RuntimeError`); to share a reader, use a lock. A read
 * started while the previous reader is cancelled but still finishing waits for it instead.
 *
 * **Failures.** A connection reset by the peer surfaces as the `IOException` of the socket. A
 * reader whose own connection was closed locally (writer closed, server aborted) reads as at its
 * end.
 *
 * Instances are made by Kaio; there is no public constructor.
 */
public interface StreamReader {
    /** The longest line or chunk [readLine] and [readUntil] accept, in bytes (default 64 KiB). */
    public val limit: Int

    /** True when the buffer is empty and the peer has ended the stream (asyncio's `at_eof()`). */
    public val atEof: Boolean

    /**
     * Reads at most [max] bytes: what the buffer holds, or else waits for at least one byte.
     * Returns an empty array at the end of the stream, or when [max] is 0.
     *
     * @throws IllegalArgumentException if [max] is negative.
     */
    public suspend fun read(max: Int = DEFAULT_LIMIT): ByteArray

    /**
     * Reads at most [length] bytes into [destination] from [offset], `InputStream.read(b, off, len)`
     * for a suspending stream: takes what the buffer holds, or else waits for at least one byte.
     * Returns how many bytes were read, -1 at the end of the stream, or 0 when [length] is 0.
     *
     * Unlike `read(max)`, it allocates nothing: reuse one array for a stream of chunks (a proxy, a
     * file copy). When the buffer is empty and [length] is at least the buffer's size, the bytes go
     * from the socket straight into [destination].
     *
     * Cancellable while it waits; a cancelled call reads nothing.
     *
     * @throws IndexOutOfBoundsException if [offset] and [length] do not fit in [destination].
     */
    public suspend fun read(destination: ByteArray, offset: Int = 0, length: Int = destination.size - offset): Int

    /**
     * Reads at most `destination.remaining()` bytes into [destination] at its position, moving
     * the position past them: `ReadableByteChannel.read` for a suspending stream. Takes what the
     * buffer holds, or else waits for at least one byte. Returns how many bytes were read, -1 at
     * the end of the stream, or 0 when [destination] has no room left.
     *
     * As with the array form, when the buffer is empty and [destination] has room for at least the
     * buffer's size, the bytes go from the socket straight into it; a reused direct buffer then
     * makes a copy loop (a proxy, with [StreamWriter.write]) copy nothing on the JVM side. Do not
     * touch [destination] until the call returns.
     *
     * Cancellable while it waits; a cancelled call reads nothing and leaves [destination] as it was.
     *
     * @throws java.nio.ReadOnlyBufferException if [destination] is read-only.
     */
    public suspend fun read(destination: ByteBuffer): Int

    /** Reads up to the end of the stream, without any limit; returns what was read. */
    public suspend fun readToEnd(): ByteArray

    /**
     * Reads exactly [count] bytes.
     *
     * @throws IncompleteReadException if the stream ends first; its `partial` holds the bytes read.
     * @throws IllegalArgumentException if [count] is negative.
     */
    public suspend fun readExactly(count: Int): ByteArray

    /**
     * Reads a line ending in `\n` and returns it decoded as UTF-8, without its `\n` or `\r\n`;
     * returns the last line even without a newline, and null at the end of the stream
     * (`BufferedReader` habits; asyncio's `readline` returns the bytes with their newline).
     *
     * @throws LimitOverrunException if the line is longer than [limit]. The line is discarded,
     *   also the part not received yet: the next `readLine` returns the line after it.
     */
    public suspend fun readLine(): String?

    /**
     * Reads a line as bytes, asyncio's `readline`: the bytes up to and including the `\n` (a
     * `\r` before it is kept too), not decoded. Returns the last line even without a newline, and
     * null at the end of the stream.
     *
     * This is [readLine] for protocols that pass lines on or parse bytes: no UTF-8 decoding, one
     * array per line, ready for [StreamWriter.write] (an echo or a proxy writes it back unchanged).
     *
     * Cancellable while it waits; a cancelled call consumes nothing.
     *
     * @throws LimitOverrunException if the line is longer than [limit]. As with [readLine], the line
     *   is discarded, also the part not received yet: the next call returns the line after it.
     */
    public suspend fun readLineBytes(): ByteArray?

    /**
     * Reads up to and including [separator], asyncio's `readuntil`.
     *
     * @throws LimitOverrunException if no separator is found within [limit] bytes, or it is found
     *   after more than [limit] bytes. The data stays in the buffer (`consumed` says how much
     *   belongs to the chunk), so it can be read with [read]; the reader stays usable.
     * @throws IncompleteReadException if the stream ends before the separator; `partial` holds
     *   the rest of the stream.
     * @throws IllegalArgumentException if [separator] is empty.
     */
    public suspend fun readUntil(separator: ByteArray): ByteArray

    public companion object {
        /** The default [limit]: 64 KiB, as asyncio's `_DEFAULT_LIMIT`. */
        public const val DEFAULT_LIMIT: Int = 64 * 1024
    }
}

/**
 * The lines of this reader as a cold [Flow] (each as [StreamReader.readLine] returns it), ending
 * at the end of the stream. Collect it once: collecting consumes the reader.
 *
 * **Cancellation.** The flow stops before it reads the next line. But a flow also checks for
 * cancellation before each emission, so a cancellation that lands from another thread while a line
 * is being read drops that line before the collector sees it. To go on reading the stream after
 * cancelling (a `withTimeout` around a search for one line, say), loop over
 * [StreamReader.readLine] instead: a line it returned is in hand.
 */
public fun StreamReader.lines(): Flow<String> = flow {
    while (true) {
        // Checked before the read too: a cancellation that lands while the collector handles a
        // line stops the flow before it reads the next one, instead of at the next emit, after.
        currentCoroutineContext().ensureActive()
        emit(readLine() ?: break)
    }
}

/** Throws [IndexOutOfBoundsException] unless [offset] and [length] select bytes of [array]. */
internal fun checkSlice(array: ByteArray, offset: Int, length: Int) {
    if (offset < 0 || length < 0 || length > array.size - offset) {
        throw IndexOutOfBoundsException("offset $offset and length $length do not fit in an array of ${array.size}")
    }
}

/**
 * Where a [BufferedStreamReader] gets its bytes. Reading never waits; waiting is a separate call,
 * so a reader parks once, in the method the caller called, and not several frames further down.
 */
internal interface ByteSource {
    /** Reads what is there without waiting: the count (> 0), -1 at the end of the stream, 0 if nothing now. */
    fun tryRead(destination: ByteArray, offset: Int, length: Int): Int

    /** [tryRead] into the remaining room of [destination], moving its position past the bytes read. */
    fun tryRead(destination: ByteBuffer): Int {
        if (destination.hasArray()) {
            val n = tryRead(destination.array(), destination.arrayOffset() + destination.position(), destination.remaining())
            if (n > 0) destination.position(destination.position() + n)
            return n
        }
        val chunk = ByteArray(minOf(destination.remaining(), StreamReader.DEFAULT_LIMIT))
        val n = tryRead(chunk, 0, chunk.size)
        if (n > 0) destination.put(chunk, 0, n)
        return n
    }

    /**
     * Suspends until [tryRead] may find bytes or the end (a spurious return is allowed).
     * Cancellable; it may return normally when cancelled just as bytes came: the reader checks
     * its Job after each wait, so a cancelled read still consumes nothing.
     */
    suspend fun awaitReadable()
}

/*
 * Buffer: bytes [start, end) of `buffer` are unread. `fillNow` compacts or grows the array and
 * reads from the source without waiting. Every public method is a loop "parse what is buffered,
 * fill without waiting, else await the source once", so a read that must wait suspends in one
 * frame of its own plus the source's wait (a suspension is the hot path of an echo: one per
 * message). Readers only fill when what they need is not buffered yet, and parsing methods stop
 * filling at the limit, so the array stays within limit + one read.
 */
internal class BufferedStreamReader(
    private val source: ByteSource,
    override val limit: Int = StreamReader.DEFAULT_LIMIT,
) : StreamReader {
    init {
        require(limit > 0) { "limit must be positive: $limit" }
    }

    private var buffer = ByteArray(minOf(limit, 16 * 1024).coerceAtLeast(1024))
    private var start = 0
    private var end = 0
    private var eof = false
    private var skippingLine = false
    /** The Job of the coroutine reading now (or [NO_JOB]), null when no read runs. */
    private val owner = AtomicReference<Any?>(null)

    private val available get() = end - start

    override val atEof: Boolean get() = eof && available == 0

    /*
     * One read at a time. A read that finds the previous reader cancelled but not yet finished
     * (its future was cancelled from Java, or `cancel()` without `join()`) waits for it to finish
     * instead of failing: the cancelled read releases the buffer in its `finally`.
     */
    private suspend inline fun <T> reading(what: String, block: () -> T): T {
        val reader = readerFor(currentCoroutineContext())
        val me = reader.owner
        while (!owner.compareAndSet(null, me)) {
            val current = owner.get()
            if (current is Job && current.isCancelled) {
                current.join()
            } else if (current != null) {
                throw IllegalStateException("$what called while another coroutine is already reading from this StreamReader")
            }
        }
        claim = reader.claim
        try {
            return block()
        } finally {
            owner.set(null)
        }
    }

    /**
     * A reader: its Job (its identity) and, for a read of the Java facade, its [ResultClaim];
     * cached for the last context (a read loop asks once).
     */
    private class ReaderOf(val context: CoroutineContext, val owner: Any, val claim: ResultClaim?)

    private var lastReader: ReaderOf? = null

    /** The running read's claim on its future (Java facade), or null; set by [reading]. */
    private var claim: ResultClaim? = null

    private fun readerFor(context: CoroutineContext): ReaderOf {
        val last = lastReader
        if (last != null && last.context === context) return last
        return ReaderOf(context, context[Job] ?: NO_JOB, context[ResultClaim]).also { lastReader = it }
    }

    /**
     * Called right before a read consumes bytes. A read of the Java facade whose future was
     * cancelled or completed from outside meanwhile consumes nothing and ends as cancelled.
     */
    private fun mayConsume() {
        val claim = claim ?: return
        if (!claim.claim()) throw CancellationException("the read's future was settled from outside; nothing was consumed")
    }

    /** Waits for the source; then throws if the reading coroutine (the owner) was cancelled meanwhile. */
    @Suppress("NOTHING_TO_INLINE")
    private suspend inline fun awaitSource() {
        source.awaitReadable()
        (owner.get() as? Job)?.ensureActive()
    }

    /** Reads more bytes into the buffer without waiting: [MORE], [WAIT], or [END] (end of the stream). */
    private fun fillNow(): Int {
        if (eof) return END
        if (start == end) {
            start = 0
            end = 0
        }
        if (end == buffer.size) {
            if (start > 0) {
                buffer.copyInto(buffer, 0, start, end)
                end -= start
                start = 0
            } else {
                buffer = buffer.copyOf(buffer.size * 2)
            }
        }
        val n = source.tryRead(buffer, end, buffer.size - end)
        return when {
            n > 0 -> {
                end += n
                MORE
            }
            n == 0 -> WAIT
            else -> {
                eof = true
                END
            }
        }
    }

    /** Reads more bytes into the buffer, waiting if needed; false at the end of the stream. */
    private suspend fun fill(): Boolean {
        while (true) {
            when (fillNow()) {
                MORE -> return true
                END -> return false
            }
            awaitSource()
        }
    }

    private fun take(count: Int): ByteArray {
        mayConsume()
        val result = buffer.copyOfRange(start, start + count)
        start += count
        return result
    }

    override suspend fun read(max: Int): ByteArray = reading("read") {
        require(max >= 0) { "max must not be negative: $max" }
        if (max == 0) return ByteArray(0)
        if (available == 0 && !fill()) return ByteArray(0)
        take(minOf(max, available))
    }

    override suspend fun read(destination: ByteArray, offset: Int, length: Int): Int {
        checkSlice(destination, offset, length)
        return read(ByteBuffer.wrap(destination, offset, length))
    }

    override suspend fun read(destination: ByteBuffer): Int = reading("read") {
        if (destination.isReadOnly) throw ReadOnlyBufferException()
        val length = destination.remaining()
        if (length == 0) return 0
        while (available == 0) {
            if (eof) return -1
            if (length >= buffer.size) {
                // Nothing buffered and a large read: straight from the source, no copy.
                val before = destination.position()
                val n = source.tryRead(destination)
                if (n < 0) eof = true
                if (n > 0) keepIfCancelled(destination, before, n)
                if (n != 0) return n
            } else if (fillNow() == END) {
                return -1
            } else if (available > 0) {
                break
            }
            awaitSource()
        }
        val n = minOf(length, available)
        mayConsume()
        destination.put(buffer, start, n)
        start += n
        n
    }

    /**
     * [mayConsume] for [count] bytes already read from the source into [destination] from index
     * [from] (the buffer being empty): if the read may not consume them, they become the buffer's
     * content and [destination] is put back as it was, before it throws.
     */
    private fun keepIfCancelled(destination: ByteBuffer, from: Int, count: Int) {
        try {
            mayConsume()
        } catch (e: CancellationException) {
            if (buffer.size < count) buffer = ByteArray(count)
            destination.get(from, buffer, 0, count)
            destination.position(from)
            start = 0
            end = count
            throw e
        }
    }

    override suspend fun readToEnd(): ByteArray = reading("readToEnd") {
        while (fill()) Unit
        take(available)
    }

    override suspend fun readExactly(count: Int): ByteArray = reading("readExactly") {
        require(count >= 0) { "count must not be negative: $count" }
        while (available < count) {
            if (buffer.size - start < count) {
                val bigger = ByteArray(maxOf(count, buffer.size))
                buffer.copyInto(bigger, 0, start, end)
                end -= start
                start = 0
                buffer = bigger
            }
            if (!fill()) throw IncompleteReadException(take(available), count)
        }
        take(count)
    }

    /** Index of [separator] in the unread bytes at or after relative offset [from], or -1. */
    private fun indexOf(separator: ByteArray, from: Int): Int {
        val last = end - separator.size
        var i = start + from
        outer@ while (i <= last) {
            for (j in separator.indices) if (buffer[i + j] != separator[j]) {
                i++
                continue@outer
            }
            return i - start
        }
        return -1
    }

    /** Index of `\n` in the unread bytes at or after relative offset [from], or -1. */
    private fun indexOfNewline(from: Int): Int {
        val found = indexOfNewline(buffer, start + from, end)
        return if (found < 0) -1 else found - start
    }

    override suspend fun readUntil(separator: ByteArray): ByteArray {
        require(separator.isNotEmpty()) { "separator must not be empty" }
        return reading("readUntil") { readUntilUnlocked(separator) }
    }

    private suspend fun readUntilUnlocked(separator: ByteArray): ByteArray {
        var searched = 0
        while (true) {
            val found = indexOf(separator, searched)
            if (found >= 0) {
                if (found > limit) {
                    throw LimitOverrunException("Separator is found, but chunk is longer than limit $limit", found + separator.size)
                }
                return take(found + separator.size)
            }
            if (available - separator.size + 1 > limit) {
                throw LimitOverrunException("Separator is not found, and chunk exceeds the limit $limit", available)
            }
            searched = maxOf(0, available - separator.size + 1)
            if (!fill()) throw IncompleteReadException(take(available), null)
        }
    }

    override suspend fun readLine(): String? = reading("readLine") {
        val consumed = lineLength()
        if (consumed < 0) return null
        var textEnd = start + consumed
        if (buffer[textEnd - 1] == LF) {
            textEnd--
            if (textEnd > start && buffer[textEnd - 1] == CR) textEnd--
        }
        mayConsume()
        val line = String(buffer, start, textEnd - start, Charsets.UTF_8)
        start += consumed
        line
    }

    override suspend fun readLineBytes(): ByteArray? = reading("readLineBytes") {
        val consumed = lineLength()
        if (consumed < 0) null else take(consumed)
    }

    /**
     * Buffers the next line and returns its length with its `\n` (the rest of the stream if it
     * ends without one), or -1 at the end of the stream. Skips a line that overran the limit.
     * Inlined into its callers, so that a line read that waits parks in the caller's own frame.
     */
    @Suppress("NOTHING_TO_INLINE")
    private suspend inline fun lineLength(): Int {
        var searched = 0
        while (true) {
            val length = lineLengthNow(searched)
            if (length != WAIT_LINE) return length
            // Everything buffered was searched (or skipped): go on from there once more arrives.
            searched = available
            awaitSource()
        }
    }

    /**
     * [lineLength] without waiting: the length, -1 at the end, or [WAIT_LINE] when the bytes there
     * are hold no complete line; the first [searched] unread bytes are known to hold no `\n`.
     */
    private fun lineLengthNow(searched: Int): Int {
        var from = searched
        while (skippingLine) {
            val newline = indexOfNewline(0)
            if (newline >= 0) {
                start += newline + 1
                skippingLine = false
                from = 0
            } else {
                start = end
                when (fillNow()) {
                    END -> return -1
                    WAIT -> return WAIT_LINE
                }
            }
        }
        while (true) {
            val found = indexOfNewline(from)
            if (found >= 0) {
                if (found > limit) {
                    start += found + 1
                    throw LimitOverrunException("Line is longer than the limit $limit; it was skipped", found + 1)
                }
                return found + 1
            }
            if (available > limit) {
                val discarded = available
                start = end
                skippingLine = true
                throw LimitOverrunException("Line is longer than the limit $limit; it was skipped", discarded)
            }
            from = available
            when (fillNow()) {
                END -> return if (available == 0) -1 else available
                WAIT -> return WAIT_LINE
            }
        }
    }

    private companion object {
        val NO_JOB = Any()
        const val LF = '\n'.code.toByte()
        const val CR = '\r'.code.toByte()

        // Results of fillNow.
        const val MORE = 1
        const val WAIT = 0
        const val END = -1

        /** lineLengthNow: no complete line buffered yet. */
        const val WAIT_LINE = -2
    }
}
