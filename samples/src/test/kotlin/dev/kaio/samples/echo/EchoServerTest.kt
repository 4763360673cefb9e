package dev.kaio.samples.echo

import dev.kaio.EventLoop
import dev.kaio.io.Server
import dev.kaio.io.openConnection
import dev.kaio.samples.ChildJvm
import dev.kaio.samples.cli.StopRequest
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.InetSocketAddress
import java.net.Socket
import java.time.Duration as JavaDuration
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively

/** The echo sample end to end through real sockets on 127.0.0.1. */
class EchoServerTest {
    private val output = ByteArrayOutputStream()
    private val out = PrintStream(output, true, Charsets.UTF_8)

    /** Runs an echo server on a free port for [body], then stops it and waits until it has stopped. */
    private fun withEchoServer(maxLine: Int = 1024, grace: Duration = 5.seconds, body: suspend CoroutineScope.(Int, StopRequest) -> Unit) =
        EventLoop.run {
            withTimeout(20.seconds) {
                val stop = StopRequest()
                val ready = CompletableDeferred<Server>()
                val serving = launch { EchoServer.serve("127.0.0.1", 0, maxLine, grace, stop, out) { ready.complete(it) } }
                body(ready.await().port, stop)
                stop.request()
                serving.join()
            }
        }

    @Test
    fun fiftyClientsAtOnceGetTheirOwnLinesBack() = withEchoServer { port, _ ->
        coroutineScope {
            repeat(50) { client ->
                launch {
                    val (reader, writer) = openConnection("127.0.0.1", port)
                    repeat(20) { n ->
                        writer.writeLine("client $client says $n ✓")
                        writer.drain()
                        assertEquals("client $client says $n ✓", reader.readLine())
                    }
                    writer.close()
                }
            }
        }
        assertTrue(output.toString().startsWith("Listening on 127.0.0.1:$port"), output.toString())
    }

    @Test
    fun linesComeBackByteForByteInvalidUtf8CrlfAndALastLineWithoutNewlineIncluded() = withEchoServer { port, _ ->
        val (reader, writer) = openConnection("127.0.0.1", port)
        val sent = byteArrayOf(0xff.toByte(), 0xfe.toByte()) + " bad\n".toByteArray() +
            "crlf\r\n".toByteArray() + "é ✓\n".toByteArray() + byteArrayOf(0xc3.toByte(), '\n'.code.toByte()) + "last".toByteArray()
        writer.write(sent)
        writer.writeEof() // the last line ends with the stream, without a newline
        assertEquals(sent.toList(), reader.readToEnd().toList())
        writer.close()
    }

    @Test
    fun aLineOverTheLimitGetsAnErrorAndTheConnectionClosed() = withEchoServer(maxLine = 100) { port, _ ->
        val (reader, writer) = openConnection("127.0.0.1", port)
        writer.writeLine("short")
        assertEquals("short", reader.readLine())
        writer.writeLine("x".repeat(1000))
        assertEquals("ERROR line longer than 100 bytes", reader.readLine())
        assertNull(reader.readLine())
        writer.close()
    }

    @Test
    fun stoppingLetsSessionsFinishWithinTheGracePeriodThenCancelsThem() = withEchoServer(grace = 300.milliseconds) { port, stop ->
        val (reader, writer) = openConnection("127.0.0.1", port)
        writer.writeLine("hello")
        assertEquals("hello", reader.readLine())
        stop.request()
        // This idle client never ends its session, so the grace period runs out and it is cut off.
        val end = runCatching { reader.readLine() }
        assertTrue(end.isFailure || end.getOrNull() == null, "expected the session to be ended: $end")
        writer.abort()
        val text = output.toString()
        assertTrue("waiting up to 300ms for 1 open session(s)" in text, text)
        assertTrue("Grace period over: cancelling 1 session(s)" in text, text)
    }

    @Test
    fun sigtermStopsAcceptingLetsTheOpenSessionFinishAndExitsZero() = assertTimeoutPreemptively(JavaDuration.ofSeconds(40)) {
        ChildJvm("echo", "--port", "0", "--grace", "20s").use { child ->
            val listening = child.awaitLine { it.startsWith("Listening on ") }
            val port = listening.substringAfterLast(':').toInt()
            Socket().use { socket ->
                socket.soTimeout = 10_000
                socket.connect(InetSocketAddress("127.0.0.1", port), 10_000)
                val input = socket.getInputStream().bufferedReader()
                val output = socket.getOutputStream().bufferedWriter()
                output.write("before\n"); output.flush()
                assertEquals("before", input.readLine())

                child.process.toHandle().destroy() // SIGTERM
                child.awaitLine { it.startsWith("Stopping: no longer accepting") }
                // The open session goes on within the grace period...
                output.write("after\n"); output.flush()
                assertEquals("after", input.readLine())
            } // ...and ends when the client leaves: the server stops long before the 20 s grace.
            val code = child.finish()
            assertEquals(0, code, child.seen.toString())
            assertTrue("stopped" in child.seen, child.seen.toString())
            assertTrue("Grace period over" !in child.seen, child.seen.toString())
        }
    }
}
