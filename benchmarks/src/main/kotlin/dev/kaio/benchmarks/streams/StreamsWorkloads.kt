@file:JvmName("StreamsWorkloads")

package dev.kaio.benchmarks.streams

import dev.kaio.io.Server
import dev.kaio.io.startServer
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.utils.io.readAvailable
import io.ktor.utils.io.readUTF8Line
import io.ktor.utils.io.writeFully
import io.ktor.utils.io.writeStringUtf8
import java.net.InetSocketAddress
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.concurrent.thread
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/*
 * Workloads of the streams benchmark (issue 6); the JMH classes (StreamsEchoBenchmark,
 * StreamsBulkBenchmark, Java) call them. Echo servers on 127.0.0.1 in the benchmark's JVM:
 *   - kaio:      dev.kaio.io.startServer, handler = readLineBytes / write / drain (bytes in, bytes out);
 *   - kaioText:  the same server with readLine / writeLine / drain (String lines, UTF-8 decoded and encoded);
 *                bulk for both: read(array) / write(array, 0, n) / drain with one 64 KiB array;
 *   - kaioDirect: the kaio server as a byte echo, the reference's work: one 64 KiB direct ByteBuffer,
 *                read(buffer) / write(buffer.flip()) / clear / drain (echo and bulk alike), the
 *                copy-free form for a proxy;
 *   - ktor:      raw ktor-network (SelectorManager(Dispatchers.IO), readUTF8Line / writeStringUtf8 with
 *                autoFlush; bulk: readAvailable / writeFully);
 *   - nio:       a hand-written single-thread NIO selector echo server (bytes back as they come).
 * The load generator is the same for all: a single-thread NIO client (EchoClients) or, for bulk, one
 * connection with a writer thread and a reader thread (bulkTransfer).
 */

/** Length of one echo message, its `\n` included. */
public const val LINE: Int = 64

/** An echo server of the benchmark. */
public interface EchoServer : AutoCloseable {
    public val port: Int
}

/** Starts the echo server named [kind] (`nio`, `ktor`, `kaio`, `kaioText`, `kaioDirect`); [bulk] selects the chunk handler. */
public fun startEchoServer(kind: String, bulk: Boolean): EchoServer = when (kind) {
    "nio" -> nioServer()
    "ktor" -> ktorServer(bulk)
    "kaio" -> kaioServer(bulk, text = false, direct = false)
    "kaioText" -> kaioServer(bulk, text = true, direct = false)
    "kaioDirect" -> kaioServer(bulk, text = false, direct = true)
    else -> throw IllegalArgumentException("unknown server: $kind")
}

private fun kaioServer(bulk: Boolean, text: Boolean, direct: Boolean): EchoServer {
    val server: Server = runBlocking {
        startServer("127.0.0.1", 0) { reader, writer ->
            when {
                direct -> {
                    val buffer = ByteBuffer.allocateDirect(64 * 1024)
                    while (reader.read(buffer) >= 0) {
                        writer.write(buffer.flip())
                        buffer.clear()
                        writer.drain()
                    }
                }
                bulk -> {
                    val buffer = ByteArray(64 * 1024)
                    while (true) {
                        val n = reader.read(buffer)
                        if (n < 0) break
                        writer.write(buffer, 0, n)
                        writer.drain()
                    }
                }
                text -> while (true) {
                    val line = reader.readLine() ?: break
                    writer.writeLine(line)
                    writer.drain()
                }
                else -> while (true) {
                    val line = reader.readLineBytes() ?: break
                    writer.write(line)
                    writer.drain()
                }
            }
        }
    }
    return object : EchoServer {
        override val port = server.port
        override fun close() {
            server.close()
            server.abortClients()
        }
    }
}

private fun ktorServer(bulk: Boolean): EchoServer {
    val selector = SelectorManager(Dispatchers.IO)
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    val server = runBlocking { aSocket(selector).tcp().bind("127.0.0.1", 0) }
    scope.launch {
        while (true) {
            val socket = server.accept()
            launch {
                val input = socket.openReadChannel()
                val output = socket.openWriteChannel(autoFlush = true)
                try {
                    if (bulk) {
                        val buffer = ByteArray(64 * 1024)
                        while (true) {
                            val n = input.readAvailable(buffer, 0, buffer.size)
                            if (n < 0) break
                            output.writeFully(buffer, 0, n)
                        }
                    } else {
                        while (true) {
                            val line = input.readUTF8Line() ?: break
                            output.writeStringUtf8(line + "\n")
                        }
                    }
                } catch (e: Exception) {
                    // client gone
                } finally {
                    socket.close()
                }
            }
        }
    }
    return object : EchoServer {
        override val port = (server.localAddress as io.ktor.network.sockets.InetSocketAddress).port
        override fun close() {
            scope.cancel()
            server.close()
            selector.close()
        }
    }
}

/** The reference: one thread, one selector, bytes echoed as they arrive. */
private fun nioServer(): EchoServer {
    val selector = Selector.open()
    val listener = ServerSocketChannel.open().bind(InetSocketAddress("127.0.0.1", 0), 1024)
    listener.configureBlocking(false)
    listener.register(selector, SelectionKey.OP_ACCEPT)
    val running = AtomicBoolean(true)
    val loop = thread(name = "nio-echo", isDaemon = true) {
        while (running.get()) {
            selector.select()
            val keys = selector.selectedKeys().iterator()
            while (keys.hasNext()) {
                val key = keys.next()
                keys.remove()
                try {
                    if (key.isAcceptable) {
                        val channel = listener.accept() ?: continue
                        channel.configureBlocking(false)
                        channel.setOption(StandardSocketOptions.TCP_NODELAY, true)
                        channel.register(selector, SelectionKey.OP_READ, ByteBuffer.allocateDirect(64 * 1024))
                    } else {
                        val channel = key.channel() as SocketChannel
                        val buffer = key.attachment() as ByteBuffer
                        if (key.isReadable) {
                            val n = channel.read(buffer)
                            if (n < 0) {
                                key.cancel(); channel.close(); continue
                            }
                        }
                        buffer.flip()
                        channel.write(buffer)
                        buffer.compact()
                        // Stop reading while the echo cannot be written (backpressure), write when possible.
                        key.interestOps(if (buffer.position() > 0) SelectionKey.OP_WRITE else SelectionKey.OP_READ)
                    }
                } catch (e: java.io.IOException) {
                    key.cancel(); key.channel().close()
                }
            }
        }
    }
    return object : EchoServer {
        override val port = (listener.localAddress as InetSocketAddress).port
        override fun close() {
            running.set(false)
            selector.wakeup()
            loop.join()
            selector.keys().forEach { it.channel().close() }
            selector.close()
        }
    }
}

/**
 * [clients] connections to [port], kept open across rounds. A round: each connection sends a
 * [LINE]-byte line and waits for its echo before the next, `lines` times, all connections at once;
 * driven by one thread with one selector.
 */
public class EchoClients(port: Int, clients: Int) : AutoCloseable {
    private val message = ByteArray(LINE) { 'a'.code.toByte() }.also { it[LINE - 1] = '\n'.code.toByte() }
    private val selector = Selector.open()

    private inner class Client(val channel: SocketChannel) {
        var done = 0
        var pending = 0
        val input: ByteBuffer = ByteBuffer.allocateDirect(4096)
        val output: ByteBuffer = ByteBuffer.allocateDirect(LINE)

        fun send() {
            output.clear()
            output.put(message)
            output.flip()
            while (output.hasRemaining()) channel.write(output)
        }
    }

    private val all = (0 until clients).map {
        val channel = SocketChannel.open(InetSocketAddress("127.0.0.1", port))
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true)
        channel.configureBlocking(false)
        Client(channel).also { channel.register(selector, SelectionKey.OP_READ, it) }
    }

    /** Runs one round of [lines] lines per connection; returns the number of echoed messages. */
    public fun round(lines: Int): Long {
        val total = all.size.toLong() * lines
        var received = 0L
        for (client in all) {
            client.done = 0
            client.pending = 0
            client.send()
        }
        while (received < total) {
            selector.select()
            val keys = selector.selectedKeys().iterator()
            while (keys.hasNext()) {
                val key = keys.next()
                keys.remove()
                @Suppress("UNCHECKED_CAST")
                val c = key.attachment() as EchoClients.Client
                c.input.clear()
                val n = c.channel.read(c.input)
                check(n >= 0) { "server closed a connection" }
                c.pending += n
                while (c.pending >= LINE) {
                    c.pending -= LINE
                    c.done++
                    received++
                    if (c.done < lines) c.send()
                }
            }
        }
        return received
    }

    override fun close() {
        all.forEach { it.channel.close() }
        selector.close()
    }
}

/** One connection pushes [mib] MiB through the echo (writer thread) and reads it back (this thread). Returns the bytes received. */
public fun bulkTransfer(port: Int, mib: Int): Long {
    val channel = SocketChannel.open(InetSocketAddress("127.0.0.1", port))
    val total = mib.toLong() * 1024 * 1024
    val writer = thread(name = "bulk-writer") {
        val buffer = ByteBuffer.allocateDirect(256 * 1024)
        var sent = 0L
        while (sent < total) {
            buffer.clear()
            buffer.limit(minOf(buffer.capacity().toLong(), total - sent).toInt())
            while (buffer.hasRemaining()) sent += channel.write(buffer)
        }
    }
    val buffer = ByteBuffer.allocateDirect(256 * 1024)
    var received = 0L
    while (received < total) {
        buffer.clear()
        val n = channel.read(buffer)
        check(n >= 0) { "server closed the connection after $received bytes" }
        received += n
    }
    writer.join()
    channel.close()
    return received
}
