package dev.kaio.io

import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector

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
 * **Cancellation.** The flow stops before it reads the next line, and a cancelled read consumes
 * nothing. A line that was read reaches the collector, even when a cancellation lands from another
 * thread just after its read: the collector stops at its own next suspension, as asyncio's
 * `async for line in reader` does. So after a cancelled collection (a `withTimeout` around a search
 * for one line, say) the stream can be read on from the first line the collector did not see.
 * Operators that buffer (`buffer`, `flowOn`, `produceIn`) hold lines of their own, which a
 * cancellation drops with the buffer.
 */
public fun StreamReader.lines(): Flow<String> = LineFlow(this)

/**
 * Not `flow { }`: its collector checks for cancellation before each emission, which would throw
 * away a line that `readLine` had already taken from the stream. It keeps the flow contract: it
 * emits on the collector's coroutine, in order, and lets the collector's exceptions through.
 * (kotlinx calls `Flow` unstable for inheritance: a method added to it in an upgrade would show
 * here as a compile error, not as a silent change.)
 */
private class LineFlow(private val reader: StreamReader) : Flow<String> {
    override suspend fun collect(collector: FlowCollector<String>) {
        while (true) {
            // A cancellation that lands while the collector handles a line stops the flow before it
            // reads the next one.
            currentCoroutineContext().ensureActive()
            collector.emit(reader.readLine() ?: return)
        }
    }
}

/** Throws [IndexOutOfBoundsException] unless [offset] and [length] select bytes of [array]. */
internal fun checkSlice(array: ByteArray, offset: Int, length: Int) {
    if (offset < 0 || length < 0 || length > array.size - offset) {
        throw IndexOutOfBoundsException("offset $offset and length $length do not fit in an array of ${array.size}")
    }
}
