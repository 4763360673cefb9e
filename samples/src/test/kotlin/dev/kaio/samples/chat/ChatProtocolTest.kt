package dev.kaio.samples.chat

import dev.kaio.EventLoop
import dev.kaio.io.Connection
import dev.kaio.io.Server
import dev.kaio.io.openConnection
import dev.kaio.samples.cli.StopRequest
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * The chat server as a client of the book's chapter 8 (listings 8.13 and 8.14) sees it, byte for
 * byte: `CONNECT <name>` first; `<name> connected!` to everyone, the newcomer included; every
 * `<name>: <text>` to everyone, the sender included, with the line's own ending (a CRLF line
 * keeps its `\r`). Every line each user receives is asserted, in order.
 */
class ChatProtocolTest {
    private val output = ByteArrayOutputStream()
    private val out = PrintStream(output, true, Charsets.UTF_8)

    private fun withChatServer(body: suspend CoroutineScope.(Int) -> Unit) = EventLoop.run {
        withTimeout(40.seconds) {
            val stop = StopRequest()
            val ready = CompletableDeferred<Server>()
            val serving = launch { ChatServer(out = out).serve("127.0.0.1", 0, 1.seconds, stop) { ready.complete(it) } }
            body(ready.await().port)
            stop.request()
            serving.join()
        }
    }

    /** The next line as the bytes a book client reads with `readline()`, newline included. */
    private suspend fun Connection.expectBytes(line: String) =
        assertEquals(line, reader.readLineBytes()?.toString(Charsets.ISO_8859_1), "the exact bytes of a line")

    private suspend fun Connection.send(bytes: String) {
        writer.write(bytes.toByteArray(Charsets.ISO_8859_1))
        writer.drain()
    }

    private suspend fun connect(port: Int, name: String, online: Int): Connection =
        openConnection("127.0.0.1", port).also {
            it.send("CONNECT $name\n")
            it.expectBytes("Welcome! $online user(s) are online!\n")
            it.expectBytes("$name connected!\n") // the book's _notify_all includes the newcomer
        }

    @Test
    fun everyUserGetsEveryLineTheBooksServerWouldSendThemOwnLinesAndJoinsIncluded() = withChatServer { port ->
        val alice = connect(port, "alice", 1)
        val bob = connect(port, "bob", 2)
        alice.expectBytes("bob connected!\n")

        alice.send("hi bob\n")
        alice.expectBytes("alice: hi bob\n")
        bob.expectBytes("alice: hi bob\n")

        bob.send("hello from a CRLF terminal\r\n") // relayed as it came: the book's data.decode()
        alice.expectBytes("bob: hello from a CRLF terminal\r\n")
        bob.expectBytes("bob: hello from a CRLF terminal\r\n")

        val carol = connect(port, "carol", 3)
        alice.expectBytes("carol connected!\n")
        bob.expectBytes("carol connected!\n")
        carol.writer.write("é ✓\n".toByteArray()) // UTF-8
        carol.writer.drain()
        for (user in listOf(alice, bob, carol)) user.expectBytes("carol: é ✓\n".toByteArray().toString(Charsets.ISO_8859_1))

        carol.writer.close()
        alice.expectBytes("carol has left the chat\n")
        bob.expectBytes("carol has left the chat\n")
        bob.writer.close()
        alice.expectBytes("bob has left the chat\n")
        alice.writer.close()
        assertNull(alice.reader.readLineBytes())
    }

    @Test
    fun aLoginLineEndingInCrlfGivesTheNameWithoutTheCarriageReturn() = withChatServer { port ->
        val alice = openConnection("127.0.0.1", port)
        alice.send("CONNECT alice\r\n")
        alice.expectBytes("Welcome! 1 user(s) are online!\n")
        alice.expectBytes("alice connected!\n")
        alice.writer.close()
    }

    @Test
    fun namesWithControlCharactersOrTooLongAreRefusedLikeAnEmptyOne() = withChatServer { port ->
        val watcher = connect(port, "watcher", 1)
        val refusal = run {
            val empty = openConnection("127.0.0.1", port)
            empty.send("CONNECT \n")
            val line = empty.reader.readLine()!!
            assertTrue(line.startsWith("ERROR "), line)
            assertNull(empty.reader.readLine())
            empty.writer.close()
            line
        }
        val bad = listOf("ev\u001b[2J", "bell\u0007", "nul\u0000x", "del\u007f", "c1\u009b2J", "x".repeat(ChatServer.MAX_NAME + 1), "x".repeat(10_000))
        for (name in bad) {
            val client = openConnection("127.0.0.1", port)
            client.writer.write("CONNECT $name\n".toByteArray())
            client.writer.drain()
            assertEquals(refusal, client.reader.readLine(), "the same ERROR line as an empty name, for ${name.take(20)}")
            assertNull(client.reader.readLine())
            client.writer.close()
        }
        // Nobody else heard of them, and the server log holds no control character of a peer.
        val longest = connect(port, "y".repeat(ChatServer.MAX_NAME), 2)
        watcher.expectBytes("${"y".repeat(ChatServer.MAX_NAME)} connected!\n")
        longest.writer.close()
        watcher.expectBytes("${"y".repeat(ChatServer.MAX_NAME)} has left the chat\n")
        watcher.writer.close()
        val log = output.toString(Charsets.UTF_8)
        assertTrue(log.none { it.isISOControl() && it != '\n' }, log)
    }
}
