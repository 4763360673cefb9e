package dev.kaio.io

import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

/**
 * `StreamReader.read(ByteBuffer)` and `StreamWriter.write(ByteBuffer)`, heap and direct, on real
 * sockets and a real pipe: positions and limits, the end of the stream, a copy loop with one
 * direct buffer, buffering to a peer that does not read, cancellation and misuse.
 */
internal class StreamBufferTest {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    private fun allocate(kind: String, capacity: Int): ByteBuffer =
        if (kind == "direct") ByteBuffer.allocateDirect(capacity) else ByteBuffer.allocate(capacity)

    @ParameterizedTest
    @ValueSource(strings = ["heap", "direct"])
    fun readFillsFromThePositionUpToTheLimitAndReturnsMinusOneAtTheEnd(kind: String) = guard {
        val server = startServer("127.0.0.1", 0) { _, writer -> writer.write("hello".toByteArray()) }
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            assertFailsWith<ReadOnlyBufferException> { reader.read(ByteBuffer.allocate(8).asReadOnlyBuffer()) }
            val buffer = allocate(kind, 8).position(2).limit(5)
            while (buffer.hasRemaining()) assertTrue(reader.read(buffer) > 0) // bytes may arrive in pieces
            assertEquals(5, buffer.position())
            assertEquals(0, reader.read(buffer), "no room left")
            assertEquals("hel", ByteArray(3).also { buffer.get(2, it) }.decodeToString())
            buffer.clear()
            assertEquals(2, reader.read(buffer))
            assertEquals("lo", ByteArray(2).also { buffer.flip().get(it) }.decodeToString())
            buffer.clear()
            assertEquals(-1, reader.read(buffer))
            assertEquals(0, buffer.position())
            writer.close()
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["heap", "direct"])
    fun writeSendsTheRemainingBytesInOrderAndMovesThePositionToTheLimit(kind: String) = guard {
        val server = startLineEchoServer()
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val buffer = allocate(kind, 16).put("--ping".toByteArray()).flip().position(2)
            writer.write(buffer)
            assertEquals(buffer.limit(), buffer.position())
            writer.write(buffer) // nothing remaining: nothing sent
            writer.write(" and ".toByteArray())
            writer.write(allocate(kind, 8).put("pong\n".toByteArray()).flip())
            writer.drain()
            assertEquals("ping and pong\n", reader.readLineBytes()?.decodeToString())
            writer.close()
            val unsent = allocate(kind, 4).put("late".toByteArray()).flip()
            assertFailsWith<IllegalStateException> { writer.write(unsent) }
            assertEquals(0, unsent.position(), "a refused write leaves the buffer as it was")
        }
    }

    /** A proxy's copy loop with one direct buffer on each side: a megabyte goes through unchanged. */
    @Test
    fun aCopyLoopWithOneDirectBufferPassesAStreamThroughExactly() = guard {
        val server = startServer("127.0.0.1", 0) { reader, writer ->
            val buffer = ByteBuffer.allocateDirect(64 * 1024)
            while (reader.read(buffer) >= 0) {
                writer.write(buffer.flip())
                buffer.clear()
                writer.drain()
            }
            writer.close()
        }
        closingAfter(server) {
            val data = ByteArray(1_000_000) { (it * 31 + it / 997).toByte() }
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            launch {
                writer.write(ByteBuffer.allocateDirect(data.size).put(data).flip())
                writer.drain()
                writer.writeEof()
            }
            // Reads of both sizes: a small buffer is filled through the reader's buffer, a large
            // one straight from the socket when the reader's buffer is empty.
            val received = ByteBuffer.allocate(data.size)
            var large = true
            while (true) {
                val chunk = ByteBuffer.allocateDirect(if (large) 64 * 1024 else 100)
                val n = reader.read(chunk)
                if (n < 0) break
                received.put(chunk.flip())
                large = !large
            }
            assertEquals(data.size, received.position())
            assertContentEquals(data, received.array())
            writer.close()
        }
    }

    @Test
    fun aBufferWrittenToAPeerThatDoesNotReadIsKeptUntilItReads() = guard {
        val release = CompletableDeferred<Unit>()
        val received = CompletableDeferred<Pair<Long, Long>>() // bytes, and how many of them were 1
        val size = 32 * 1024 * 1024 // beyond what loopback socket buffers hold
        val server = startServer("127.0.0.1", 0) { reader, _ ->
            release.await()
            var total = 0L
            var ones = 0L
            val buffer = ByteBuffer.allocateDirect(64 * 1024)
            while (true) {
                val n = reader.read(buffer.clear())
                if (n < 0) break
                total += n
                for (i in 0 until n) if (buffer.get(i).toInt() == 1) ones++
            }
            received.complete(total to ones)
        }
        closingAfter(server) {
            val (_, writer) = openConnection("127.0.0.1", server.port)
            val source = ByteBuffer.allocateDirect(size)
            writer.write(source)
            assertEquals(size, source.position(), "the source is consumed: what waits was copied")
            assertTrue(writer.bufferedByteCount > 0, "the peer reads nothing yet, so bytes wait")
            source.clear() // reusing the buffer at once must not change what is sent
            while (source.hasRemaining()) source.put(1)
            val draining = launch { writer.drain() }
            release.complete(Unit)
            draining.join()
            writer.close()
            writer.waitClosed()
            assertEquals(0L, writer.bufferedByteCount)
            assertEquals(size.toLong() to 0L, received.await(), "every byte arrived, as it was when written (zero)")
        }
    }

    @Test
    fun aCancelledReadLeavesTheBufferAsItWasAndLosesNothing() = guard {
        val go = CompletableDeferred<Unit>()
        val server = startServer("127.0.0.1", 0) { _, writer ->
            go.await()
            writer.write("late".toByteArray())
        }
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val buffer = ByteBuffer.allocateDirect(64 * 1024).position(3)
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { reader.read(buffer) }
            waiting.cancelAndJoin()
            assertEquals(3, buffer.position())
            go.complete(Unit)
            val again = ByteBuffer.allocate(4)
            while (again.hasRemaining()) assertTrue(reader.read(again) > 0)
            assertEquals("late", again.array().decodeToString())
            writer.close()
        }
    }

    @Test
    fun aProcessPipeReadsAndWritesBuffers() = guard {
        val process = Subprocess.exec("cat", stdin = Stdio.PIPE, stdout = Stdio.PIPE)
        try {
            process.stdin.write(ByteBuffer.allocateDirect(6).put("direct".toByteArray()).flip())
            process.stdin.write(ByteBuffer.wrap(" heap".toByteArray()))
            process.stdin.close()
            val received = ByteBuffer.allocateDirect(64)
            while (process.stdout.read(received) >= 0) Unit
            assertEquals("direct heap", ByteArray(received.flip().remaining()).also { received.get(it) }.decodeToString())
            assertEquals(0, process.wait())
        } finally {
            process.kill()
        }
    }
}
