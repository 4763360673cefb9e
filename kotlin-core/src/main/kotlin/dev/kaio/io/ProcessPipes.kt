package dev.kaio.io

import java.io.IOException
import java.io.InputStream
import java.io.OutputStream
import java.net.SocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch

/*
 * The pipes of a java.lang.Process are blocking streams, so each piped stream gets one pump
 * coroutine on Dispatchers.IO that blocks in read/write there; Kaio readers and writers on any
 * thread only exchange buffers with it. The hand-over is bounded (PIPE_CAPACITY), so a reader that
 * stops reading makes the pump stop, then the pipe fill up, then the process block, as with
 * asyncio's pipes. Wake-ups go through conflated channels: a lost or extra signal is harmless,
 * because each side re-reads the shared state under the lock.
 */

internal const val PIPE_CAPACITY = 64 * 1024

/** A process's output pipe as a [ByteSource]. */
internal class PipeSource(private val input: InputStream, scope: CoroutineScope) : ByteSource {
    private val lock = Any()
    private val chunks = ArrayDeque<ByteArray>()
    private var headOffset = 0
    private var queued = 0
    private var eof = false
    private var failure: IOException? = null
    private val dataSignal = Channel<Unit>(Channel.CONFLATED)
    private val spaceSignal = Channel<Unit>(Channel.CONFLATED)

    init {
        scope.launch(Dispatchers.IO) { pump() }
    }

    private suspend fun pump() {
        val buffer = ByteArray(16 * 1024)
        try {
            while (true) {
                while (synchronized(lock) { queued >= PIPE_CAPACITY }) spaceSignal.receive()
                val n = input.read(buffer)
                if (n < 0) break
                if (n == 0) continue
                synchronized(lock) {
                    chunks.addLast(buffer.copyOf(n))
                    queued += n
                }
                dataSignal.trySend(Unit)
            }
        } catch (e: IOException) {
            synchronized(lock) { failure = e }
        } finally {
            synchronized(lock) { eof = true }
            dataSignal.trySend(Unit)
            runCatching { input.close() }
        }
    }

    override fun tryRead(destination: ByteArray, offset: Int, length: Int): Int = synchronized(lock) {
        if (queued > 0) {
            var copied = 0
            while (copied < length && chunks.isNotEmpty()) {
                val head = chunks.first()
                val n = minOf(length - copied, head.size - headOffset)
                head.copyInto(destination, offset + copied, headOffset, headOffset + n)
                copied += n
                headOffset += n
                if (headOffset == head.size) {
                    chunks.removeFirst()
                    headOffset = 0
                }
            }
            queued -= copied
            spaceSignal.trySend(Unit)
            return copied
        }
        failure?.let { throw it }
        if (eof) -1 else 0
    }

    // A signal sent after the last tryRead is still pending in the conflated channel: no wake-up is lost.
    override suspend fun awaitReadable() {
        dataSignal.receive()
    }
}

/** A process's stdin pipe as a [StreamWriter]; its pump writes outside the lock, so `write` never blocks. */
internal class PipeWriter(private val output: OutputStream, scope: CoroutineScope) : BufferedStreamWriter() {
    private val signal = Channel<Unit>(Channel.CONFLATED)

    override val peerAddress: SocketAddress? get() = null

    init {
        scope.launch(Dispatchers.IO) {
            for (ignored in signal) flushPendingBlocking { buffer -> sendBlocking(buffer) }
        }
    }

    private fun sendBlocking(buffer: ByteBuffer): Int {
        val n = buffer.remaining()
        output.write(buffer.array(), buffer.arrayOffset() + buffer.position(), n)
        output.flush()
        buffer.position(buffer.limit())
        return n
    }

    override fun tryWriteNow(data: ByteArray, offset: Int, length: Int): Int = 0

    override fun tryWriteNow(source: ByteBuffer): Int = 0

    override fun scheduleFlush() {
        signal.trySend(Unit)
    }

    override fun closeStream(abort: Boolean) {
        signal.close()
        runCatching { output.close() }
    }

    override fun shutdownOutput() {
        runCatching { output.close() }
    }
}
