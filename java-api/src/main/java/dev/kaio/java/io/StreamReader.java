package dev.kaio.java.io;

import dev.kaio.interop.IoInterop;
import dev.kaio.io.IncompleteReadException;
import dev.kaio.io.LimitOverrunException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The reading half of a TCP connection or of a subprocess pipe, asyncio's {@code StreamReader},
 * with {@link CompletableFuture} results. It adapts {@code dev.kaio.io.StreamReader}: the
 * semantics are those of the Kotlin API.
 *
 * <p><b>Buffering and flow control.</b> Bytes are taken from the socket only when a read asks for
 * them, so a reader that stops reading makes the peer wait (TCP flow control); the buffer never
 * holds more than {@link #limit()} plus one network read.
 *
 * <p><b>Cancellation.</b> Cancelling a returned future stops that read; it is cancel-safe: bytes
 * that arrived stay in the buffer for the next read. This holds from any thread, also for a
 * {@code cancel} or an {@code orTimeout} that lands while the read is taking its bytes: once a read
 * has begun to consume its result, its future can no longer be cancelled, completed or failed from
 * outside ({@code cancel} returns false) and completes with that result; before that moment, the
 * read consumes nothing. <b>Interruption</b> plays no part: no method
 * blocks a thread. <b>Failure</b>: futures fail with the exception itself (an {@code IOException}
 * when the connection is reset, {@link IncompleteReadException}, {@link LimitOverrunException}),
 * never wrapped in a {@code CompletionException}.
 *
 * <p><b>One read at a time.</b> Starting a read while another is pending fails the new future
 * with {@link IllegalStateException}; chain reads with {@code thenCompose}.
 *
 * <p><b>Sample usage</b>
 * <pre>{@code
 * reader.readLine().thenAccept(line -> System.out.println(line == null ? "<end>" : line));
 * }</pre>
 */
public final class StreamReader {
    private final dev.kaio.io.StreamReader delegate;

    StreamReader(dev.kaio.io.StreamReader delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The longest line or chunk {@link #readLine()} and {@link #readUntil(byte[])} accept, in bytes. */
    public int limit() {
        return delegate.getLimit();
    }

    /** True when the buffer is empty and the peer has ended the stream. */
    public boolean atEof() {
        return delegate.getAtEof();
    }

    /**
     * Reads at most {@code max} bytes: what is buffered, or else waits for at least one byte.
     * Completes with an empty array at the end of the stream. Cancellation: stops waiting, loses
     * nothing. Failure: {@code IllegalArgumentException} if {@code max} is negative, the socket's
     * {@code IOException} on a reset.
     *
     * @param max the most bytes to return
     * @return a future of the bytes read
     */
    public CompletableFuture<byte[]> read(int max) {
        return IoInterop.read(delegate, max);
    }

    /**
     * Reads at most {@code length} bytes into {@code destination} from {@code offset}, the
     * non-blocking {@code InputStream.read(b, off, len)}: what is buffered, or else waits for at
     * least one byte. Completes with the number of bytes read, -1 at the end of the stream, or 0
     * when {@code length} is 0. It allocates no array of its own, so one buffer can serve a whole
     * copy loop; do not touch {@code destination} until the future completes. Cancellation: stops
     * waiting and reads nothing. Failure: {@code IndexOutOfBoundsException} if {@code offset} and
     * {@code length} do not fit in {@code destination}, the socket's {@code IOException} on a reset.
     *
     * @param destination where the bytes go
     * @param offset the first index to fill
     * @param length the most bytes to read
     * @return a future of the count read, or of -1 at the end
     */
    public CompletableFuture<Integer> read(byte[] destination, int offset, int length) {
        return IoInterop.readInto(delegate, Objects.requireNonNull(destination, "destination"), offset, length);
    }

    /**
     * Reads at most {@code destination.remaining()} bytes into {@code destination} at its
     * position, moving the position past them, the non-blocking {@code ReadableByteChannel.read}:
     * what is buffered, or else waits for at least one byte. Completes with the number of bytes
     * read, -1 at the end of the stream, or 0 when {@code destination} has no room left. With
     * nothing buffered and room for at least the reader's buffer, the bytes go from the socket
     * straight into {@code destination}: a reused direct buffer, written on with
     * {@link StreamWriter#write(ByteBuffer)}, makes a copy loop copy nothing on the JVM side. Do not
     * touch {@code destination} until the future completes. Cancellation: stops waiting, reads
     * nothing and leaves {@code destination} as it was. Failure:
     * {@link java.nio.ReadOnlyBufferException} if {@code destination} is read-only, the socket's
     * {@code IOException} on a reset.
     *
     * @param destination where the bytes go, from its position up to its limit
     * @return a future of the count read, or of -1 at the end
     */
    public CompletableFuture<Integer> read(ByteBuffer destination) {
        return IoInterop.readIntoBuffer(delegate, Objects.requireNonNull(destination, "destination"));
    }

    /**
     * Reads to the end of the stream, without limit. Cancellation: stops waiting; bytes read so
     * far stay buffered. Failure: the stream's {@code IOException}.
     *
     * @return a future of all remaining bytes
     */
    public CompletableFuture<byte[]> readToEnd() {
        return IoInterop.readToEnd(delegate);
    }

    /**
     * Reads exactly {@code count} bytes. Cancellation: stops waiting, loses nothing. Failure:
     * {@link IncompleteReadException} (with the partial bytes) if the stream ends first.
     *
     * @param count how many bytes
     * @return a future of the bytes
     */
    public CompletableFuture<byte[]> readExactly(int count) {
        return IoInterop.readExactly(delegate, count);
    }

    /**
     * Reads a line ending in {@code \n}, decoded as UTF-8 without its {@code \n} or
     * {@code \r\n}; completes with {@code null} at the end of the stream. Cancellation: stops
     * waiting, loses nothing. Failure: {@link LimitOverrunException} if the line is longer than
     * {@link #limit()}; the line is skipped and the next call returns the line after it.
     *
     * @return a future of the line, or of null at the end
     */
    public CompletableFuture<String> readLine() {
        return IoInterop.readLine(delegate);
    }

    /**
     * Reads a line as bytes, asyncio's {@code readline}: up to and including its {@code \n} (a
     * {@code \r} before it is kept too), not decoded; the last line comes even without a newline;
     * completes with {@code null} at the end of the stream. For protocols that pass lines on
     * unchanged: the array can go straight to {@link StreamWriter#write(byte[])}. Cancellation:
     * stops waiting, loses nothing. Failure: {@link LimitOverrunException} if the line is longer
     * than {@link #limit()}; the line is skipped and the next call returns the line after it.
     *
     * @return a future of the line's bytes, or of null at the end
     */
    public CompletableFuture<byte[]> readLineBytes() {
        return IoInterop.readLineBytes(delegate);
    }

    /**
     * Reads up to and including {@code separator}. Cancellation: stops waiting, loses nothing.
     * Failure: {@link LimitOverrunException} if no separator is found within the limit (the data
     * stays buffered), {@link IncompleteReadException} if the stream ends first,
     * {@code IllegalArgumentException} if the separator is empty.
     *
     * @param separator the bytes that end the chunk
     * @return a future of the chunk with its separator
     */
    public CompletableFuture<byte[]> readUntil(byte[] separator) {
        return IoInterop.readUntil(delegate, separator);
    }

    /**
     * Calls {@code action} with each line (as {@link #readLine()} returns it) until the end of the
     * stream: the Java form of the Kotlin {@code lines()} flow. The action runs on the thread that
     * read the line; do not block in it. Cancellation: stops before the next line; a line
     * already read still reaches the action, and no other byte is consumed.
     * Failure: the failure of a read, or of the action.
     *
     * @param action what to do with each line
     * @return a future that completes at the end of the stream
     */
    public CompletableFuture<Void> forEachLine(Consumer<String> action) {
        return IoInterop.forEachLine(delegate, Objects.requireNonNull(action, "action"));
    }

    /**
     * The Kotlin reader this adapts.
     *
     * @return the Kotlin reader
     */
    public dev.kaio.io.StreamReader asKotlin() {
        return delegate;
    }

    @Override
    public String toString() {
        return "StreamReader(limit=" + limit() + ", atEof=" + atEof() + ")";
    }
}
