package dev.kaio.java.io;

import dev.kaio.interop.IoInterop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The writing half of a TCP connection or of a subprocess's stdin, asyncio's {@code StreamWriter}.
 * It adapts {@code dev.kaio.io.StreamWriter}: the semantics are those of the Kotlin API.
 *
 * <p><b>Backpressure.</b> {@link #write(byte[])} never blocks: it sends what the socket accepts
 * and buffers the rest. {@link #drain()} is the flow-control point: its future completes at once
 * while the buffer is at most the high-water mark (64 KiB), else when the peer has taken enough to
 * bring it down to the low-water mark (16 KiB). Write, then compose on {@code drain()}, and memory
 * stays bounded however slow the peer.
 *
 * <p><b>Cancellation</b> of a {@code drain()} or {@code waitClosed()} future stops the wait only;
 * buffered bytes are still sent. <b>Interruption</b> plays no part: no method blocks a thread.
 * <b>Failure</b>: a connection that failed makes {@code write} throw an
 * {@code UncheckedIOException} around its {@code IOException} (unchecked, so that a write fits in a
 * lambda of a future chain) and {@code drain()} fail with the {@code IOException} itself (unwrapped). <b>Thread safety</b>: all methods may be called from any
 * thread.
 *
 * <p><b>Sample usage</b>
 * <pre>{@code
 * writer.writeLine("hello");
 * writer.drain().thenRun(writer::close);
 * }</pre>
 */
public final class StreamWriter {
    private final dev.kaio.io.StreamWriter delegate;

    StreamWriter(dev.kaio.io.StreamWriter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * The peer's address for a TCP connection, else null.
     *
     * @return the peer's address or null
     */
    public SocketAddress peerAddress() {
        return delegate.getPeerAddress();
    }

    /**
     * Bytes accepted by {@code write} and not yet handed to the operating system.
     *
     * @return the buffered byte count
     */
    public long bufferedByteCount() {
        return delegate.getBufferedByteCount();
    }

    /**
     * True once {@link #close()} or {@link #abort()} was called.
     *
     * @return whether the writer is closing
     */
    public boolean isClosing() {
        return delegate.isClosing();
    }

    /**
     * Sends {@code data} or buffers what cannot be sent now; never blocks. The array is not kept.
     *
     * @param data the bytes
     * @throws IllegalStateException if the writer was closed or {@link #writeEof()} was called
     * @throws UncheckedIOException if the connection has failed (its cause is the {@code IOException})
     */
    public void write(byte[] data) {
        try {
            delegate.write(data);
        } catch (Exception e) {
            throw uncheckedIfIo(e);
        }
    }

    /**
     * Sends {@code length} bytes of {@code data} from {@code offset}; see {@link #write(byte[])}.
     * The array is not kept: it may be refilled as soon as this returns.
     *
     * @param data the bytes
     * @param offset the first index to send
     * @param length how many bytes to send
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not fit in {@code data}
     * @throws IllegalStateException if the writer was closed or {@link #writeEof()} was called
     * @throws UncheckedIOException if the connection has failed (its cause is the {@code IOException})
     */
    public void write(byte[] data, int offset, int length) {
        Objects.requireNonNull(data, "data");
        try {
            delegate.write(data, offset, length);
        } catch (Exception e) {
            throw uncheckedIfIo(e);
        }
    }

    /**
     * Sends the remaining bytes of {@code source} (position to limit) and moves its position to its
     * limit; see {@link #write(byte[])}. A direct buffer goes to the socket without a copy on the
     * JVM side, so a proxy that reads into a direct buffer with {@link StreamReader#read(ByteBuffer)}
     * and writes it here copies nothing; bytes that must wait are copied. The buffer is not kept:
     * it may be cleared and refilled as soon as this returns.
     *
     * @param source the bytes, from its position to its limit
     * @throws UncheckedIOException if the connection has failed (its cause is the {@code IOException})
     * @throws IllegalStateException if the writer was closed or {@link #writeEof()} was called;
     *     {@code source} is then left as it was
     */
    public void write(ByteBuffer source) {
        Objects.requireNonNull(source, "source");
        try {
            delegate.write(source);
        } catch (Exception e) {
            throw uncheckedIfIo(e);
        }
    }

    /**
     * Writes {@code line} as UTF-8 followed by {@code \n}; see {@link #write(byte[])}.
     *
     * @param line the line, without its newline
     * @throws IllegalStateException if the writer was closed or {@link #writeEof()} was called
     * @throws UncheckedIOException if the connection has failed (its cause is the {@code IOException})
     */
    public void writeLine(String line) {
        try {
            delegate.writeLine(line);
        } catch (Exception e) {
            throw uncheckedIfIo(e);
        }
    }

    /**
     * The Kotlin writer throws the connection's {@code IOException} without declaring it; a Java
     * method cannot throw it undeclared, and declaring it would force a {@code try} into every
     * lambda of a future chain, so it becomes the JDK's {@code UncheckedIOException} around it
     * (as {@code BufferedReader.lines()} does). {@code drain()}'s future fails with the
     * {@code IOException} itself.
     */
    private static RuntimeException uncheckedIfIo(Exception e) {
        if (e instanceof IOException io) return new UncheckedIOException(io.getMessage(), io);
        if (e instanceof RuntimeException runtime) return runtime;
        return new UndeclaredThrowableException(e);
    }

    /**
     * Waits until the buffer is small again (see the class comment). Cancellation: stops the wait;
     * no bytes are lost. Failure: the connection's {@code IOException}, also when it was aborted.
     *
     * @return a future that completes when writing may continue
     */
    public CompletableFuture<Void> drain() {
        return IoInterop.drain(delegate);
    }

    /**
     * Sets the high- and low-water marks of {@link #drain()}.
     *
     * @param high the high-water mark in bytes
     * @param low the low-water mark in bytes
     * @throws IllegalArgumentException unless {@code 0 <= low <= high}
     */
    public void setWriteBufferLimits(int high, int low) {
        delegate.setWriteBufferLimits(high, low);
    }

    /** Closes the sending direction once buffered bytes are sent (TCP half-close). */
    public void writeEof() {
        delegate.writeEof();
    }

    /** Closes the stream once buffered bytes are sent; never blocks; idempotent. */
    public void close() {
        delegate.close();
    }

    /** Closes the stream at once, dropping buffered bytes (a TCP reset); idempotent. */
    public void abort() {
        delegate.abort();
    }

    /**
     * Completes when the stream is closed. Cancellation: stops the wait only. Never fails.
     *
     * @return a future of the close
     */
    public CompletableFuture<Void> waitClosed() {
        return IoInterop.waitClosed(delegate);
    }

    /**
     * The Kotlin writer this adapts.
     *
     * @return the Kotlin writer
     */
    public dev.kaio.io.StreamWriter asKotlin() {
        return delegate;
    }

    @Override
    public String toString() {
        return "StreamWriter(peer=" + peerAddress() + ", buffered=" + bufferedByteCount() + ")";
    }
}
