package dev.kaio.java.io

import dev.kaio.DeadlineExceededException
import dev.kaio.io.CompletedProcess
import dev.kaio.io.ExecutableNotFoundException
import dev.kaio.io.IncompleteReadException
import dev.kaio.io.LimitOverrunException
import dev.kaio.io.Stdio
import java.io.IOException
import java.net.Socket
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * The I/O API as the scenarios see it. Implemented once over the Kotlin API ([KotlinIo]) and once
 * over the Java facade ([JavaIo]), so the two cannot drift.
 */
internal interface IoApi {
    interface Server {
        val port: Int
        val connectionCount: Int
        fun close()
        fun closeClients()
        suspend fun waitClosed()
    }

    interface Conn {
        suspend fun read(max: Int): ByteArray
        suspend fun readExactly(count: Int): ByteArray
        suspend fun readLine(): String?
        val atEof: Boolean
        fun write(data: ByteArray)
        fun writeLine(line: String)
        suspend fun drain()
        val bufferedByteCount: Long
        fun close()
        suspend fun waitClosed()
    }

    /** A server whose handler echoes lines (with a drain after each). */
    suspend fun echoServer(limit: Int): Server

    /** A server whose handler sends [data] in one write and closes. */
    suspend fun sendingServer(data: ByteArray): Server

    /** A server whose handler reads nothing until [go] completes, then counts bytes to the end into [received]. */
    suspend fun lazyReaderServer(go: CompletableDeferred<Unit>, received: CompletableDeferred<Long>): Server

    /** A server whose handler reads one line (or what is left at the end of the stream) into [saw], and ends. */
    suspend fun firstLineServer(saw: CompletableDeferred<String?>): Server

    suspend fun connect(port: Int, limit: Int = 64 * 1024): Conn

    suspend fun shell(commandLine: String, timeoutSeconds: Long?): CompletedProcess
    suspend fun exec(program: String): CompletedProcess
}

internal object KotlinIo : IoApi {
    private class S(val s: dev.kaio.io.Server) : IoApi.Server {
        override val port get() = s.port
        override val connectionCount get() = s.connectionCount
        override fun close() = s.close()
        override fun closeClients() = s.closeClients()
        override suspend fun waitClosed() = s.waitClosed()
    }

    private class C(val r: dev.kaio.io.StreamReader, val w: dev.kaio.io.StreamWriter) : IoApi.Conn {
        override suspend fun read(max: Int) = r.read(max)
        override suspend fun readExactly(count: Int) = r.readExactly(count)
        override suspend fun readLine() = r.readLine()
        override val atEof get() = r.atEof
        override fun write(data: ByteArray) = w.write(data)
        override fun writeLine(line: String) = w.writeLine(line)
        override suspend fun drain() = w.drain()
        override val bufferedByteCount get() = w.bufferedByteCount
        override fun close() = w.close()
        override suspend fun waitClosed() = w.waitClosed()
    }

    override suspend fun echoServer(limit: Int): IoApi.Server = S(dev.kaio.io.startServer("127.0.0.1", 0, limit = limit) { r, w ->
        while (true) {
            val line = try {
                r.readLine() ?: break
            } catch (e: LimitOverrunException) {
                "overrun"
            }
            w.writeLine(line)
            w.drain()
        }
    })

    override suspend fun sendingServer(data: ByteArray): IoApi.Server =
        S(dev.kaio.io.startServer("127.0.0.1", 0) { _, w -> w.write(data) })

    override suspend fun lazyReaderServer(go: CompletableDeferred<Unit>, received: CompletableDeferred<Long>): IoApi.Server =
        S(dev.kaio.io.startServer("127.0.0.1", 0) { r, _ ->
            go.await()
            received.complete(r.readToEnd().size.toLong())
        })

    override suspend fun firstLineServer(saw: CompletableDeferred<String?>): IoApi.Server =
        S(dev.kaio.io.startServer("127.0.0.1", 0) { r, _ -> saw.complete(r.readLine()) })

    override suspend fun connect(port: Int, limit: Int): IoApi.Conn {
        val (r, w) = dev.kaio.io.openConnection("127.0.0.1", port, 10.seconds, limit)
        return C(r, w)
    }

    override suspend fun shell(commandLine: String, timeoutSeconds: Long?): CompletedProcess =
        dev.kaio.io.Subprocess.shell(commandLine, stdin = Stdio.DISCARD, stdout = Stdio.PIPE, stderr = Stdio.PIPE)
            .communicate(timeout = timeoutSeconds?.seconds)

    override suspend fun exec(program: String): CompletedProcess = dev.kaio.io.Subprocess.run(listOf(program))
}

internal object JavaIo : IoApi {
    private class S(val s: TcpServer) : IoApi.Server {
        override val port get() = s.port()
        override val connectionCount get() = s.connectionCount()
        override fun close() = s.close()
        override fun closeClients() = s.closeClients()
        override suspend fun waitClosed() {
            s.waitClosed().await()
        }
    }

    private class C(val c: Connection) : IoApi.Conn {
        override suspend fun read(max: Int): ByteArray = c.reader().read(max).await()
        override suspend fun readExactly(count: Int): ByteArray = c.reader().readExactly(count).await()
        override suspend fun readLine(): String? = c.reader().readLine().await()
        override val atEof get() = c.reader().atEof()
        override fun write(data: ByteArray) = c.writer().write(data)
        override fun writeLine(line: String) = c.writer().writeLine(line)
        override suspend fun drain() {
            c.writer().drain().await()
        }
        override val bufferedByteCount get() = c.writer().bufferedByteCount()
        override fun close() = c.writer().close()
        override suspend fun waitClosed() {
            c.writer().waitClosed().await()
        }
    }

    /** A Java-style echo loop: each step composes on the previous future. */
    private fun echo(reader: StreamReader, writer: StreamWriter): java.util.concurrent.CompletableFuture<Void> =
        reader.readLine()
            .handle { line, failure ->
                when {
                    failure is LimitOverrunException -> "overrun"
                    failure != null -> throw failure
                    else -> line
                }
            }
            .thenCompose { line ->
                if (line == null) {
                    java.util.concurrent.CompletableFuture.completedFuture(null)
                } else {
                    writer.writeLine(line)
                    writer.drain().thenCompose { echo(reader, writer) }
                }
            }

    override suspend fun echoServer(limit: Int): IoApi.Server =
        S(TcpServer.builder("127.0.0.1", 0).limit(limit).start(::echo).await())

    override suspend fun sendingServer(data: ByteArray): IoApi.Server =
        S(TcpServer.start("127.0.0.1", 0) { _, w -> w.write(data); null }.await())

    override suspend fun lazyReaderServer(go: CompletableDeferred<Unit>, received: CompletableDeferred<Long>): IoApi.Server =
        S(TcpServer.start("127.0.0.1", 0) { r, _ ->
            val gate = java.util.concurrent.CompletableFuture<Void>()
            go.invokeOnCompletion { gate.complete(null) }
            gate.thenCompose { r.readToEnd() }.thenAccept { received.complete(it.size.toLong()) }
        }.await())

    override suspend fun firstLineServer(saw: CompletableDeferred<String?>): IoApi.Server =
        S(TcpServer.start("127.0.0.1", 0) { r, _ -> r.readLine().thenAccept { saw.complete(it) } }.await())

    override suspend fun connect(port: Int, limit: Int): IoApi.Conn =
        C(Streams.openConnection("127.0.0.1", port, java.time.Duration.ofSeconds(10), limit).await())

    override suspend fun shell(commandLine: String, timeoutSeconds: Long?): CompletedProcess =
        Subprocess.shell(commandLine).stdin(Stdio.DISCARD).stdout(Stdio.PIPE).stderr(Stdio.PIPE).start().await()
            .communicate(null, timeoutSeconds?.let { java.time.Duration.ofSeconds(it) }).await()

    override suspend fun exec(program: String): CompletedProcess = Subprocess.run(listOf(program), null, null).await()
}

/** The scenarios, written once; each subclass runs them against one API. */
internal abstract class IoScenarios(private val io: IoApi) {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    private val servers = ArrayList<IoApi.Server>()

    private fun <S : IoApi.Server> S.closing(): S = also { servers.add(it) }

    @AfterTest
    fun closeServers() {
        servers.forEach { it.close(); it.closeClients() }
    }

    @Test
    fun concurrentEchoConnections() = guard {
        val server = io.echoServer(1024).closing()
        val replies = (0 until 1000).map { i ->
            async {
                val c = io.connect(server.port)
                c.writeLine("hello $i")
                c.drain()
                val reply = c.readLine()
                c.close()
                c.waitClosed()
                reply
            }
        }.awaitAll()
        assertEquals((0 until 1000).map { "hello $it" }, replies)
    }

    @Test
    fun clientThatVanishesMidLine() = guard {
        val saw = CompletableDeferred<String?>()
        val server = io.firstLineServer(saw).closing()
        withContext(Dispatchers.IO) {
            Socket("127.0.0.1", server.port).use { it.getOutputStream().write("half a li".toByteArray()) }
        }
        // The partial last line is returned at the end of the stream, then the handler ends.
        assertEquals("half a li", saw.await())
        // A client that vanishes with a reset (SO_LINGER 0) does not stop the server either.
        withContext(Dispatchers.IO) {
            Socket("127.0.0.1", server.port).apply { setSoLinger(true, 0) }.use { it.getOutputStream().write("x".toByteArray()) }
        }
        val c = io.connect(server.port)
        c.writeLine("still serving")
        assertNull(c.readLine()) // its handler read the line and ended, so the server closed it
        c.close()
        // Every connection, the vanished ones included, is gone from the server (bounded by guard).
        while (server.connectionCount > 0) delay(10)
    }

    @Test
    fun partialReadsAndIncompleteRead() = guard {
        val server = io.sendingServer("line\nabcdef".toByteArray()).closing()
        val c = io.connect(server.port)
        assertEquals("line", c.readLine())
        assertEquals("abc", c.readExactly(3).decodeToString())
        val incomplete = assertFailsWith<IncompleteReadException> { c.readExactly(10) }
        assertEquals("def", incomplete.partial.decodeToString())
        assertTrue(c.atEof)
        assertNull(c.readLine())
        c.close()
    }

    @Test
    fun lineOverTheLimitThenTheStreamGoesOn() = guard {
        val server = io.echoServer(limit = 100).closing()
        val c = io.connect(server.port)
        c.writeLine("x".repeat(1000))
        c.writeLine("fine")
        assertEquals("overrun", c.readLine())
        assertEquals("fine", c.readLine())
        c.close()
    }

    @Test
    fun serverClosedWithClientsAttached() = guard {
        val server = io.echoServer(1024).closing()
        val c = io.connect(server.port)
        c.writeLine("one")
        assertEquals("one", c.readLine())
        server.close()
        assertFailsWith<IOException> { io.connect(server.port) }
        c.writeLine("two") // still served
        assertEquals("two", c.readLine())
        server.closeClients()
        assertNull(c.readLine())
        c.close()
        server.waitClosed()
        assertEquals(0, server.connectionCount)
    }

    @Test
    fun backpressureKeepsTheWriterBounded() = guard {
        val go = CompletableDeferred<Unit>()
        val received = CompletableDeferred<Long>()
        val server = io.lazyReaderServer(go, received).closing()
        val c = io.connect(server.port)
        val chunk = ByteArray(32 * 1024)
        val chunks = 1024 // 32 MiB
        val stuck = CompletableDeferred<Unit>()
        var written = 0
        val writer = launch {
            repeat(chunks) {
                c.write(chunk)
                written++
                assertTrue(c.bufferedByteCount <= 64 * 1024 + chunk.size, "buffered ${c.bufferedByteCount}")
                if (c.bufferedByteCount > 64 * 1024) stuck.complete(Unit)
                c.drain()
            }
            c.close()
        }
        stuck.await()
        val before = written
        repeat(100) { yield() }
        assertEquals(before, written)
        assertTrue(written < chunks)
        go.complete(Unit)
        writer.join()
        assertEquals(chunks.toLong() * chunk.size, received.await())
    }

    @Test
    fun megabytesOnBothOutputs() = guard {
        val size = 5 * 1024 * 1024
        val result = io.shell("head -c $size /dev/zero & head -c $size /dev/zero >&2; wait", null)
        assertEquals(0, result.exitCode)
        assertEquals(size, result.stdout!!.size)
        assertEquals(size, result.stderr!!.size)
    }

    @Test
    fun timeoutKillsTheProcessTree() = guard {
        val marker = "kaio-scenario-${System.nanoTime()}"
        // The grandchild's command line carries the marker, so the test can look for it afterwards.
        assertFailsWith<DeadlineExceededException> {
            io.shell("sh -c 'sleep 300; echo $marker' & wait", 1)
        }
        val left = ProcessHandle.allProcesses()
            .filter { h -> h.info().commandLine().map { marker in it }.orElse(false) }
            .filter(::isRunning)
            .toList()
        left.forEach { it.destroyForcibly() }
        assertEquals(emptyList(), left, "processes left behind")
    }

    @Test
    fun missingExecutable() = guard {
        val e = assertFailsWith<ExecutableNotFoundException> { io.exec("kaio-missing-program") }
        assertTrue("kaio-missing-program" in e.message!!)
    }
}

/** Alive and not a zombie (an orphan nobody reaped, in a container whose PID 1 does not reap). */
internal fun isRunning(handle: ProcessHandle): Boolean {
    if (!handle.isAlive) return false
    val stat = runCatching { java.nio.file.Files.readString(java.nio.file.Path.of("/proc/${handle.pid()}/stat")) }.getOrNull()
        ?: return false
    return stat.substringAfterLast(')').trim().firstOrNull() !in setOf('Z', 'X')
}

internal class KotlinIoScenariosTest : IoScenarios(KotlinIo)

internal class JavaIoScenariosTest : IoScenarios(JavaIo)
