@file:JvmName("StreamsBenchmark")

package dev.kaio.benchmarks

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
import kotlin.concurrent.thread
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/*
 * Streams benchmark: an echo workload against three servers in the same JVM and run.
 *   - kaio:  dev.kaio.io.startServer, handler = readLine / writeLine / drain (the idiomatic loop);
 *            bulk: read(64 KiB) / write / drain.
 *   - ktor:  raw ktor-network (SelectorManager(Dispatchers.IO), readUTF8Line / writeStringUtf8 with
 *            autoFlush; bulk: readAvailable / writeFully).
 *   - nio:   a hand-written single-thread NIO selector echo server (bytes back as they come).
 * The load is the same single-thread NIO client for all: C connections, each sends a 64-byte line
 * and waits for its echo before the next, N lines per connection. Bulk: one client, a writer thread
 * and a reader thread, B MiB through the echo.
 *
 * Usage: StreamsBenchmark [clients=100] [lines=1000] [rounds=5] [bulkMiB=1024]
 */

private const val LINE = 64

private interface EchoServer : AutoCloseable {
    val port: Int
}

private fun kaioServer(bulk: Boolean): EchoServer {
    val server: Server = runBlocking {
        startServer("127.0.0.1", 0) { reader, writer ->
            if (bulk) {
                while (true) {
                    val data = reader.read(64 * 1024)
                    if (data.isEmpty()) break
                    writer.write(data)
                    writer.drain()
                }
            } else {
                while (true) {
                    val line = reader.readLine() ?: break
                    writer.writeLine(line)
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
    val running = java.util.concurrent.atomic.AtomicBoolean(true)
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

/** C connections, each sends a line and waits for its echo, N times. Returns messages per second. */
private fun echoLoad(port: Int, clients: Int, lines: Int): Double {
    val message = ByteArray(LINE) { 'a'.code.toByte() }.also { it[LINE - 1] = '\n'.code.toByte() }
    val selector = Selector.open()
    class Client(val channel: SocketChannel) {
        var done = 0
        var pending = 0
        val input: ByteBuffer = ByteBuffer.allocateDirect(4096)
        val output: ByteBuffer = ByteBuffer.allocateDirect(LINE)
        fun send() {
            output.clear(); output.put(message); output.flip()
            while (output.hasRemaining()) channel.write(output)
        }
    }
    val all = (0 until clients).map {
        val channel = SocketChannel.open(InetSocketAddress("127.0.0.1", port))
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true)
        channel.configureBlocking(false)
        Client(channel).also { channel.register(selector, SelectionKey.OP_READ, it) }
    }
    val total = clients.toLong() * lines
    var received = 0L
    val start = System.nanoTime()
    all.forEach { it.send() }
    while (received < total) {
        selector.select()
        val keys = selector.selectedKeys().iterator()
        while (keys.hasNext()) {
            val key = keys.next()
            keys.remove()
            val c = key.attachment() as Client
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
    val seconds = (System.nanoTime() - start) / 1e9
    all.forEach { it.channel.close() }
    selector.close()
    return total / seconds
}

/** One client pushes [mib] MiB through the echo and reads it back concurrently. Returns MB/s (MiB). */
private fun bulkLoad(port: Int, mib: Int): Double {
    val channel = SocketChannel.open(InetSocketAddress("127.0.0.1", port))
    val total = mib.toLong() * 1024 * 1024
    val start = System.nanoTime()
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
    val seconds = (System.nanoTime() - start) / 1e9
    writer.join()
    channel.close()
    return mib / seconds
}

private fun median(values: List<Double>) = values.sorted()[values.size / 2]

public fun main(args: Array<String>) {
    val clients = args.getOrNull(0)?.toInt() ?: 100
    val lines = args.getOrNull(1)?.toInt() ?: 1000
    val rounds = args.getOrNull(2)?.toInt() ?: 5
    val bulkMiB = args.getOrNull(3)?.toInt() ?: 1024
    println("Streams benchmark: $clients clients x $lines lines of $LINE bytes, $rounds rounds; bulk $bulkMiB MiB")
    println("JVM ${System.getProperty("java.version")}, ${Runtime.getRuntime().availableProcessors()} CPUs")
    val servers = listOf<Pair<String, (Boolean) -> EchoServer>>(
        "nio (reference)" to { _ -> nioServer() },
        "ktor-network" to ::ktorServer,
        "kaio" to ::kaioServer,
    )
    val echo = LinkedHashMap<String, MutableList<Double>>()
    // Interleaved rounds, after one warm-up round each, so drift of the machine hits all alike.
    for (round in 0..rounds) {
        for ((name, make) in servers) {
            make(false).use { server ->
                val rate = echoLoad(server.port, clients, if (round == 0) lines / 2 else lines)
                if (round > 0) echo.getOrPut(name) { ArrayList() }.add(rate)
            }
        }
    }
    println()
    println("| server | echo msg/s (median of $rounds) | min | max |")
    println("|---|---:|---:|---:|")
    for ((name, rates) in echo) {
        println("| $name | %,.0f | %,.0f | %,.0f |".format(median(rates), rates.minOrNull(), rates.maxOrNull()))
    }
    if (bulkMiB > 0) {
        val bulk = LinkedHashMap<String, MutableList<Double>>()
        for (round in 0..2) {
            for ((name, make) in servers) {
                make(true).use { server ->
                    val rate = bulkLoad(server.port, if (round == 0) 64 else bulkMiB)
                    if (round > 0) bulk.getOrPut(name) { ArrayList() }.add(rate)
                }
            }
        }
        println()
        println("| server | bulk MiB/s ($bulkMiB MiB, median of 2) | min | max |")
        println("|---|---:|---:|---:|")
        for ((name, rates) in bulk) {
            println("| $name | %,.0f | %,.0f | %,.0f |".format(median(rates), rates.minOrNull(), rates.maxOrNull()))
        }
    }
    System.exit(0)
}
