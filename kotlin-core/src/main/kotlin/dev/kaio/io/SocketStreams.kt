package dev.kaio.io

import java.net.SocketAddress
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel

/*
 * A connected, non-blocking SocketChannel on a SelectorLoop, as a StreamReader and a StreamWriter.
 *
 * Reads and writes run on the caller's thread (for server handlers, the loop thread itself); the
 * loop is only asked to wake the reader when the socket is readable, and to flush the writer's
 * buffer when it is writable. Closing the socket makes the reader read as ended.
 */
internal class SocketConnection(
    private val loop: SelectorLoop,
    private val channel: SocketChannel,
    limit: Int,
) {
    val socket = NioSocket(loop, channel)

    init {
        channel.configureBlocking(false)
        runCatching { channel.setOption(StandardSocketOptions.TCP_NODELAY, true) }
    }

    val reader: StreamReader = BufferedStreamReader(SocketSource(), limit)
    val writer: SocketWriter = SocketWriter()

    /*
     * A read that returned less than it asked for has most likely emptied the socket, so the next
     * read waits for readiness first instead of paying for a read that would return 0 (asyncio's
     * loop also reads once per readiness event). If bytes did arrive meanwhile, the selector
     * reports the socket ready at once: the guess costs nothing when wrong.
     */
    private inner class SocketSource : ByteSource {
        private var probablyEmpty = false

        override fun tryRead(destination: ByteArray, offset: Int, length: Int): Int {
            if (socket.closed) return -1
            if (probablyEmpty) return 0
            val n = try {
                readFromChannel(destination, offset, length)
            } catch (closed: ClosedChannelException) {
                return -1
            }
            probablyEmpty = n in 0 until length
            return n
        }

        // A direct buffer is read into as it is; a heap buffer takes the array path (the loop's scratch).
        override fun tryRead(destination: ByteBuffer): Int {
            if (!destination.isDirect) return super.tryRead(destination)
            if (socket.closed) return -1
            if (probablyEmpty) return 0
            val length = destination.remaining()
            val n = try {
                channel.read(destination)
            } catch (closed: ClosedChannelException) {
                return -1
            }
            probablyEmpty = n in 0 until length
            return n
        }

        private fun readFromChannel(destination: ByteArray, offset: Int, length: Int): Int {
            if (!loop.inLoop) return channel.read(ByteBuffer.wrap(destination, offset, length))
            val scratch = loop.scratch
            scratch.clear().limit(minOf(length, scratch.capacity()))
            val n = channel.read(scratch)
            if (n > 0) scratch.flip().get(destination, offset, n)
            return n
        }

        // Cleared before the wait, so that this is a tail call (no frame of its own); a wait
        // cancelled after that only costs one read that finds nothing. The reader checks its Job
        // after the wait (see ByteSource).
        override suspend fun awaitReadable() {
            probablyEmpty = false
            return socket.awaitReady(SelectionKey.OP_READ)
        }
    }

    inner class SocketWriter : BufferedStreamWriter() {
        @Volatile
        private var peer: SocketAddress? = null

        override val peerAddress: SocketAddress?
            get() = peer ?: runCatching { channel.remoteAddress }.getOrNull().also { peer = it }

        override fun tryWriteNow(data: ByteArray, offset: Int, length: Int): Int {
            if (!loop.inLoop) return channel.write(ByteBuffer.wrap(data, offset, length))
            val scratch = loop.scratch
            var written = 0
            while (written < length) {
                val chunk = minOf(length - written, scratch.capacity())
                scratch.clear()
                scratch.put(data, offset + written, chunk).flip()
                val n = channel.write(scratch)
                written += n
                if (n < chunk) break
            }
            return written
        }

        override fun tryWriteNow(source: ByteBuffer): Int {
            if (source.isDirect || !loop.inLoop) return channel.write(source)
            val written = tryWriteNow(source.array(), source.arrayOffset() + source.position(), source.remaining())
            source.position(source.position() + written)
            return written
        }

        private val flush: () -> Unit = { flushPending { channel.write(it) } }

        override fun scheduleFlush() = socket.whenReady(SelectionKey.OP_WRITE, flush)

        override fun closeStream(abort: Boolean) = socket.close {
            if (abort) runCatching { channel.setOption(StandardSocketOptions.SO_LINGER, 0) }
        }

        override fun shutdownOutput() {
            channel.shutdownOutput()
        }
    }
}
