package dev.kaio.io

import dev.kaio.DeadlineExceededException
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.SocketTimeoutException
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/** Real sockets on 127.0.0.1, port 0; every test is bounded by [guard]. */
internal class StreamsTest {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    private suspend fun echoServer(maxConnections: Int = Int.MAX_VALUE, limit: Int = StreamReader.DEFAULT_LIMIT) =
        startServer("127.0.0.1", 0, maxConnections = maxConnections, limit = limit) { reader, writer ->
            while (true) {
                val line = reader.readLine() ?: break
                writer.writeLine(line)
                writer.drain()
            }
        }

    @Test
    fun thousandConcurrentEchoConnections() = guard {
        val server = echoServer()
        try {
            val replies = (0 until 1000).map { i ->
                async {
                    val (reader, writer) = openConnection("127.0.0.1", server.port, timeout = 10.seconds)
                    try {
                        writer.writeLine("hello $i")
                        writer.drain()
                        val first = reader.readLine()
                        writer.writeLine("bye $i")
                        first + "/" + reader.readLine()
                    } finally {
                        writer.close()
                        writer.waitClosed()
                    }
                }
            }.awaitAll()
            assertEquals((0 until 1000).map { "hello $it/bye $it" }, replies)
        } finally {
            server.close()
            server.abortClients()
            server.waitClosed()
        }
    }

    @Test
    fun partialReadsAreAssembled() = guard {
        val firstSent = CompletableDeferred<Unit>()
        val next = CompletableDeferred<Unit>()
        val server = startServer("127.0.0.1", 0) { _, writer ->
            // "HEAD" in three pieces, then "ER\nrest" and the end of the stream.
            for (piece in listOf("HE", "A", "D")) {
                writer.write(piece.toByteArray())
                writer.drain()
                firstSent.complete(Unit)
                next.await()
            }
            writer.write("ER\nrest".toByteArray())
        }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            firstSent.await()
            assertContentEquals("HE".toByteArray(), reader.read(100)) // what has arrived, not 100 bytes
            next.complete(Unit)
            assertContentEquals("AD".toByteArray(), reader.readExactly(2)) // waits for the third piece
            assertEquals("ER", reader.readLine())
            val incomplete = assertFailsWith<IncompleteReadException> { reader.readExactly(10) }
            assertEquals("rest", incomplete.partial.decodeToString())
            assertEquals(10, incomplete.expected)
            assertTrue(reader.atEof)
            assertContentEquals(ByteArray(0), reader.read(10))
            assertNull(reader.readLine())
            writer.close()
        } finally {
            server.close()
            server.waitClosed()
        }
    }

    @Test
    fun readUntilWithSeparatorAndIncompleteEnd() = guard {
        val server = startServer("127.0.0.1", 0) { _, writer -> writer.write("a||b||tail".toByteArray()) }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val separator = "||".toByteArray()
            assertEquals("a||", reader.readUntil(separator).decodeToString())
            assertEquals("b||", reader.readUntil(separator).decodeToString())
            val end = assertFailsWith<IncompleteReadException> { reader.readUntil(separator) }
            assertEquals("tail", end.partial.decodeToString())
            writer.close()
        } finally {
            server.close()
        }
    }

    @Test
    fun lineOverTheLimitIsRejectedAndTheStreamStaysUsable() = guard {
        val limit = 1024
        val long = "x".repeat(5000)
        val server = startServer("127.0.0.1", 0) { _, writer ->
            writer.writeLine("short")
            writer.writeLine(long)
            writer.writeLine("after")
            writer.write("y".repeat(2000).toByteArray() + "#more#".toByteArray())
        }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port, limit = limit)
            assertEquals("short", reader.readLine())
            val overrun = assertFailsWith<LimitOverrunException> { reader.readLine() }
            assertTrue(overrun.consumed > limit, "consumed ${overrun.consumed}")
            assertEquals("after", reader.readLine())
            // readUntil leaves the data in the buffer: it can still be read.
            val untilOverrun = assertFailsWith<LimitOverrunException> { reader.readUntil("#".toByteArray()) }
            assertTrue(untilOverrun.consumed > limit)
            assertEquals(2000, reader.readExactly(2000).size)
            assertEquals("#", reader.readUntil("#".toByteArray()).decodeToString())
            assertEquals("more#", reader.readUntil("#".toByteArray()).decodeToString())
            writer.close()
        } finally {
            server.close()
        }
    }

    @Test
    fun clientThatVanishesMidLineEndsTheHandlerWithoutHurtingTheServer() = guard {
        val handlerSaw = CompletableDeferred<String?>()
        val server = startServer("127.0.0.1", 0) { reader, _ ->
            handlerSaw.complete(reader.readLine())
        }
        try {
            withContext(Dispatchers.IO) {
                Socket("127.0.0.1", server.port).use { it.getOutputStream().write("half a li".toByteArray()) }
            }
            // The partial last line is returned at the end of the stream, then the handler ends.
            assertEquals("half a li", handlerSaw.await())
            // A client that vanishes with a reset (SO_LINGER 0) does not stop the server either.
            withContext(Dispatchers.IO) {
                Socket("127.0.0.1", server.port).apply { setSoLinger(true, 0) }.use { it.getOutputStream().write("x".toByteArray()) }
            }
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            writer.writeLine("still serving")
            writer.close()
            assertNull(reader.readLine())
        } finally {
            server.close()
            server.waitClosed()
        }
    }

    @Test
    fun serverClosedWithClientsAttached() = guard {
        val inHandler = Semaphore(3, acquiredPermits = 3)
        val server = startServer("127.0.0.1", 0) { reader, writer ->
            writer.writeLine("welcome")
            inHandler.release()
            while (true) {
                val line = reader.readLine() ?: break
                writer.writeLine(line)
            }
        }
        val clients = (1..3).map { openConnection("127.0.0.1", server.port) }
        repeat(3) { inHandler.acquire() }
        for ((reader, _) in clients) assertEquals("welcome", reader.readLine())
        assertEquals(3, server.connectionCount)

        // close(): stops listening only; attached clients are still served.
        server.close()
        assertFalse(server.isServing)
        assertRefusedSoon(server.port)
        clients[0].writer.writeLine("ping")
        assertEquals("ping", clients[0].reader.readLine())

        // closeClients(): graceful close, clients see the end of the stream.
        server.closeClients()
        for ((reader, writer) in clients) {
            assertNull(reader.readLine())
            writer.close()
        }
        server.waitClosed()
        assertEquals(0, server.connectionCount)
    }

    @Test
    fun abortClientsAndCancelledServeForeverLeaveNothingRunning() = guard {
        val handlerCancelled = CompletableDeferred<Unit>()
        val inHandler = CompletableDeferred<Unit>()
        val server = startServer("127.0.0.1", 0) { _, _ ->
            try {
                inHandler.complete(Unit)
                awaitCancellation()
            } finally {
                handlerCancelled.complete(Unit)
            }
        }
        // Undispatched: serveForever is waiting when it is cancelled below. A coroutine cancelled
        // before it ever ran would skip serveForever altogether, and nothing would abort the handler.
        val serving = launch(start = CoroutineStart.UNDISPATCHED) { server.serveForever() }
        val (reader, _) = openConnection("127.0.0.1", server.port)
        inHandler.await()
        serving.cancelAndJoin()
        handlerCancelled.await()
        assertFalse(server.isServing)
        assertEquals(0, server.connectionCount)
        // The client sees the connection end (reset or end of stream).
        try {
            assertNull(reader.readLine())
        } catch (reset: IOException) {
            // aborted: a reset is the expected way to learn it
        }
    }

    @Test
    fun maxConnectionsMakesNewClientsWait() = guard {
        val server = echoServer(maxConnections = 1)
        try {
            val first = openConnection("127.0.0.1", server.port)
            first.writer.writeLine("one")
            assertEquals("one", first.reader.readLine())
            // The second connection completes in the backlog, but it is served only after the first ends.
            val second = openConnection("127.0.0.1", server.port)
            second.writer.writeLine("two")
            val reply = async { second.reader.readLine() }
            yield()
            assertEquals(1, server.connectionCount)
            assertFalse(reply.isCompleted)
            first.writer.close()
            assertEquals("two", reply.await())
            second.writer.close()
        } finally {
            server.close()
            server.abortClients()
        }
    }

    @Test
    fun fastWriterToAReaderThatStopsReadingIsBoundedByDrain() = guard {
        val chunk = ByteArray(64 * 1024) { it.toByte() }
        val chunks = 1024 // 64 MiB if nothing pushed back, far above the socket buffers
        val stopReading = CompletableDeferred<Unit>()
        var received = 0L
        val server = startServer("127.0.0.1", 0) { reader, _ ->
            stopReading.await() // reads nothing until told
            while (true) {
                val data = reader.read(1 shl 16)
                if (data.isEmpty()) break
                received += data.size
            }
        }
        try {
            val (_, writer) = openConnection("127.0.0.1", server.port)
            var written = 0
            var maxBuffered = 0L
            val inDrain = CompletableDeferred<Unit>()
            val writing = launch {
                repeat(chunks) {
                    writer.write(chunk)
                    written++
                    maxBuffered = maxOf(maxBuffered, writer.bufferedByteCount)
                    if (writer.bufferedByteCount > 64 * 1024) inDrain.complete(Unit)
                    writer.drain()
                }
                writer.close()
            }
            inDrain.await() // the socket buffers are full: the writer now waits in drain
            // Nothing more is accepted while the peer does not read: drain holds the writer.
            val writtenThen = written
            repeat(100) { yield() }
            assertEquals(writtenThen, written) // suspended in drain, not writing
            assertTrue(writing.isActive)
            assertTrue(written < chunks, "written $written chunks")
            assertTrue(writer.bufferedByteCount <= 64 * 1024 + chunk.size, "buffered ${writer.bufferedByteCount}")
            assertTrue(maxBuffered <= 64 * 1024 + chunk.size, "max buffered $maxBuffered")
            stopReading.complete(Unit)
            writing.join()
            writer.waitClosed()
            server.close()
            server.waitClosed()
            assertEquals(chunks.toLong() * chunk.size, received)
        } finally {
            server.close()
            server.abortClients()
        }
    }

    @Test
    fun writingToAConnectionThePeerResetFailsWithIOException() = guard {
        val server = startServer("127.0.0.1", 0) { reader, writer ->
            reader.readLine() // so that the reset comes after the connect, not during it
            writer.abort()
        }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            writer.writeLine("reset me")
            // The reset is learnt by a read (or a write); from then on writes and drain report it.
            try {
                reader.readLine()
            } catch (reset: IOException) {
            }
            val failure = runCatching {
                repeat(100) {
                    writer.write(ByteArray(64 * 1024))
                    writer.drain()
                }
            }.exceptionOrNull()
            assertTrue(failure is IOException, "expected an IOException, got $failure")
            assertFailsWith<IOException> { writer.write(byteArrayOf(1)) }
            assertFailsWith<IOException> { writer.drain() }
        } finally {
            server.close()
        }
    }

    @Test
    fun cancelledReadLosesNoBytes() = guard {
        val server = startServer("127.0.0.1", 0) { reader, writer ->
            reader.readLine()
            writer.writeLine("late")
        }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { reader.readLine() }
            waiting.cancelAndJoin()
            writer.writeLine("go")
            assertEquals("late", reader.readLine())
            writer.close()
        } finally {
            server.close()
        }
    }

    @Test
    fun misuseFailsClearly() = guard {
        val server = echoServer()
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val first = launch(start = CoroutineStart.UNDISPATCHED) { reader.readLine() }
            val second = assertFailsWith<IllegalStateException> { reader.readLine() }
            assertTrue("another coroutine" in second.message!!)
            first.cancelAndJoin()
            assertFailsWith<IllegalArgumentException> { reader.read(-1) }
            assertFailsWith<IllegalArgumentException> { reader.readUntil(ByteArray(0)) }
            assertFailsWith<IllegalArgumentException> { writer.setWriteBufferLimits(10, 20) }
            writer.close()
            val afterClose = assertFailsWith<IllegalStateException> { writer.write(byteArrayOf(1)) }
            assertTrue("closed" in afterClose.message!!)
            assertFailsWith<IllegalArgumentException> { startServer("127.0.0.1", 0, maxConnections = 0) { _, _ -> } }
        } finally {
            server.close()
        }
    }

    @Test
    fun connectFailuresAndTimeouts() = guard {
        val port = withContext(Dispatchers.IO) { ServerSocket(0).use { it.localPort } } // now closed
        assertFailsWith<java.net.ConnectException> { openConnection("127.0.0.1", port) }
        // A timeout is an error (TimeoutException), not a cancellation. A connect that never gets an
        // answer, on loopback: a listener whose accept queue is full, whose further SYNs Linux drops.
        withContext(Dispatchers.IO) { ServerSocket(0, 1, InetAddress.getLoopbackAddress()) }.use { listener ->
            val fillers = withContext(Dispatchers.IO) { fillAcceptQueue(listener.localPort) }
            try {
                assertFailsWith<DeadlineExceededException> {
                    openConnection("127.0.0.1", listener.localPort, timeout = 200.milliseconds)
                }
            } finally {
                fillers.forEach { it.close() }
            }
        }
    }

    /**
     * Asserts that connecting to [port] fails with an IOException once the I/O loop has closed the
     * listening socket, which `Server.close` leaves to the loop (see its KDoc): a connect in the
     * moment before that may still land in the backlog, which is never served, so it is retried.
     */
    private suspend fun assertRefusedSoon(port: Int) {
        while (true) {
            val connection = try {
                openConnection("127.0.0.1", port)
            } catch (refused: IOException) {
                return
            }
            connection.writer.abort()
            delay(1.milliseconds)
        }
    }

    /** Connects until a connect times out (the accept queue is full); returns the connected sockets. */
    private fun fillAcceptQueue(port: Int): List<Socket> {
        val connected = ArrayList<Socket>()
        repeat(64) {
            val socket = Socket()
            try {
                socket.connect(InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300)
                connected += socket
            } catch (full: SocketTimeoutException) {
                socket.close()
                return connected
            }
        }
        connected.forEach { it.close() }
        error("64 connections were accepted into a queue of backlog 1: cannot make a connect hang here")
    }

    @Test
    fun linesFlowAndWriteEof() = guard {
        val server = startServer("127.0.0.1", 0) { reader, writer ->
            var count = 0
            reader.lines().collect { count++ }
            writer.writeLine("got $count")
        }
        try {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            repeat(5) { writer.writeLine("line $it\r") }
            writer.writeEof() // half-close: the server sees the end, and can still answer
            assertEquals("got 5", reader.readLine())
            assertNull(reader.readLine())
            writer.close()
        } finally {
            server.close()
        }
    }

    /** A server that writes `line 0` to `line 19` to each client and closes the connection. */
    private suspend fun sendingTwentyLines() = startServer("127.0.0.1", 0) { _, writer ->
        repeat(20) { writer.writeLine("line $it") }
        writer.close()
    }

    @Test
    fun linesCancelledWhileTheCollectorWorksStopBeforeReadingTheNextLine() = guard {
        val server = sendingTwentyLines()
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val seen = mutableListOf<String>()
            launch {
                reader.lines().collect { line ->
                    seen += line
                    if (seen.size == 10) coroutineContext.job.cancel() // while the collector works
                }
            }.join()
            // Line 10 is most likely buffered already: a flow that read it anyway would drop it at its emit.
            while (true) seen += reader.readLine() ?: break
            assertEquals(List(20) { "line $it" }, seen)
            writer.close()
        }
    }

    @Test
    fun linesHandsTheCollectorALineReadAsACancellationLands() = guard {
        val server = sendingTwentyLines()
        closingAfter(server) {
            val (socketReader, writer) = openConnection("127.0.0.1", server.port)
            // The race, made certain: the cancellation lands after line 10 was taken from the
            // stream and before the flow hands it on (as when another thread cancels just then).
            val reader = object : StreamReader by socketReader {
                override suspend fun readLine(): String? =
                    socketReader.readLine().also { if (it == "line 10") currentCoroutineContext().job.cancel() }
            }
            val seen = mutableListOf<String>()
            val collecting = launch { reader.lines().collect { line -> seen += line } }
            collecting.join()
            assertTrue(collecting.isCancelled)
            assertEquals("line 10", seen.last(), "the line read as the cancellation landed reaches the collector")
            while (true) seen += socketReader.readLine() ?: break
            assertEquals(List(20) { "line $it" }, seen)
            writer.close()
        }
    }

    @Test
    fun handlersOnTheIoLoopAndElsewhere() = guard {
        val threads = CompletableDeferred<String>()
        val server = startServer("127.0.0.1", 0) { _, _ -> threads.complete(Thread.currentThread().name) }
        val other = CompletableDeferred<String>()
        val server2 = startServer("127.0.0.1", 0, context = Dispatchers.IO) { _, _ -> other.complete(Thread.currentThread().name) }
        try {
            coroutineScope {
                openConnection("127.0.0.1", server.port).writer.close()
                openConnection("127.0.0.1", server2.port).writer.close()
            }
            assertTrue(threads.await().startsWith("kaio-io"), threads.await())
            assertTrue(other.await().startsWith("DefaultDispatcher"), other.await())
        } finally {
            server.close()
            server2.close()
        }
    }
}
