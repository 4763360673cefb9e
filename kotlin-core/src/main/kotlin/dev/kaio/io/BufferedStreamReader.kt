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
