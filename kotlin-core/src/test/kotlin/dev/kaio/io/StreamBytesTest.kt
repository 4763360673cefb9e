package dev.kaio.io

import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** The byte-level reader and writer methods (readLineBytes, read into an array, write a slice), on real sockets. */
internal class StreamBytesTest {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    /** A server that writes [data] to each client and closes the connection. */
    private suspend fun sending(data: ByteArray) = startServer("127.0.0.1", 0) { _, writer -> writer.write(data) }

    @Test
    fun readLineBytesKeepsTheNewlineAndReturnsTheLastLineAndThenNull() = guard {
        val server = sending("one\ntwo\r\n\nlast".toByteArray())
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            assertEquals("one\n", reader.readLineBytes()?.decodeToString())
            assertEquals("two\r\n", reader.readLineBytes()?.decodeToString())
            assertEquals("\n", reader.readLineBytes()?.decodeToString())
            assertEquals("last", reader.readLineBytes()?.decodeToString())
            assertNull(reader.readLineBytes())
            assertNull(reader.readLineBytes())
            writer.close()
        }
    }

    @Test
    fun readLineBytesSkipsALineOverTheLimitAndStaysUsable() = guard {
        val long = "x".repeat(100)
        val server = sending("short\n$long\nafter\n${long}tail".toByteArray())
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port, limit = 16)
            assertEquals("short\n", reader.readLineBytes()?.decodeToString())
            assertFailsWith<LimitOverrunException> { reader.readLineBytes() }
            assertEquals("after\n", reader.readLineBytes()?.decodeToString())
            assertFailsWith<LimitOverrunException> { reader.readLineBytes() } // over the limit at the end of the stream
            assertNull(reader.readLineBytes())
            writer.close()
        }
    }

    @Test
    fun readIntoAnArrayTakesWhatIsBufferedAndReturnsMinusOneAtTheEnd() = guard {
        val server = sending("hello".toByteArray())
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val array = ByteArray(8)
            assertEquals(0, reader.read(array, 0, 0))
            var n = 0
            while (n < 3) n += reader.read(array, 2 + n, 3 - n) // bytes may arrive in pieces
            assertEquals("hel", array.decodeToString(2, 5))
            assertEquals(0, array[0].toInt())
            assertEquals(2, reader.read(array))
            assertEquals("lo", array.decodeToString(0, 2))
            assertEquals(-1, reader.read(array))
            assertEquals(-1, reader.read(array, 1, 4))
            assertFailsWith<IndexOutOfBoundsException> { reader.read(array, 6, 3) }
            assertFailsWith<IndexOutOfBoundsException> { reader.read(array, -1, 1) }
            assertFailsWith<IndexOutOfBoundsException> { reader.read(array, 0, -1) }
            writer.close()
        }
    }

    @Test
    fun largeReadsIntoAnArrayCopyAStreamExactly() = guard {
        val data = ByteArray(1_000_000) { (it * 31 + it / 997).toByte() }
        val server = sending(data)
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            // Mixed sizes: a small read fills the buffer, large ones bypass it when it is empty.
            val received = ByteArray(data.size)
            var total = 0
            var large = true
            while (true) {
                val n = reader.read(received, total, minOf(if (large) 64 * 1024 else 100, data.size - total))
                if (n <= 0) break
                total += n
                large = !large
            }
            assertEquals(data.size, total)
            assertContentEquals(data, received)
            assertEquals(-1, reader.read(ByteArray(10)))
            writer.close()
        }
    }

    @Test
    fun writeASliceAndEchoLinesAsBytes() = guard {
        val server = startLineEchoServer()
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val data = "--ping\n--".toByteArray()
            writer.write(data, 2, 5)
            writer.write(data, 0, 0)
            writer.drain()
            assertEquals("ping\n", reader.readLineBytes()?.decodeToString())
            assertFailsWith<IndexOutOfBoundsException> { writer.write(data, 5, 5) }
            assertFailsWith<IndexOutOfBoundsException> { writer.write(data, -1, 2) }
            writer.writeEof()
            assertNull(reader.readLineBytes())
            writer.close()
            assertFailsWith<IllegalStateException> { writer.write(data, 0, 1) }
        }
    }

    @Test
    fun waitsCancelledByTimeoutsInTurnLoseNothingAndLeaveTheReaderUsable() = guard {
        val go = CompletableDeferred<Unit>()
        val server = startServer("127.0.0.1", 0) { _, writer ->
            go.await()
            writer.write("late\n".toByteArray())
        }
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            // Each timeout is a new Job waiting on the same socket: the cancellation watch moves to it.
            repeat(3) { assertNull(withTimeoutOrNull(20.milliseconds) { reader.readLineBytes() }) }
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { reader.read(ByteArray(10)) }
            waiting.cancelAndJoin()
            go.complete(Unit)
            assertEquals("late\n", reader.readLineBytes()?.decodeToString())
            writer.close()
        }
    }

    @Test
    fun aWaitingReadEndsWhenTheConnectionIsClosedLocally() = guard {
        val server = startServer("127.0.0.1", 0) { reader, _ -> reader.readToEnd() }
        closingAfter(server) {
            val (reader, writer) = openConnection("127.0.0.1", server.port)
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) {
                assertEquals(-1, reader.read(ByteArray(10)))
                assertNull(reader.readLineBytes())
            }
            writer.abort()
            waiting.join()
        }
    }
}
