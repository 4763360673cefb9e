package dev.kaio.samples.chat

import dev.kaio.EventLoop
import dev.kaio.io.Server
import dev.kaio.io.openConnection
import dev.kaio.samples.ChildJvm
import dev.kaio.samples.cli.StopRequest
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/** The terminal chat client, run through the launcher in a child JVM, typing on its stdin. */
class ChatClientTest {
    @Test
    fun theTerminalClientSendsWhatIsTypedPrintsWhatArrivesAndLeavesAtEndOfInput() = EventLoop.run {
        withTimeout(40.seconds) {
            val stop = StopRequest()
            val ready = CompletableDeferred<Server>()
            val quiet = PrintStream(ByteArrayOutputStream(), true)
            val serving = launch { ChatServer(out = quiet).serve("127.0.0.1", 0, 1.seconds, stop) { ready.complete(it) } }
            val port = ready.await().port
            val (reader, writer) = openConnection("127.0.0.1", port)
            writer.writeLine("CONNECT alice")
            assertEquals("Welcome! 1 user(s) are online!", reader.readLine())
            assertEquals("alice connected!", reader.readLine())

            val child = withContext(Dispatchers.IO) { ChildJvm("chat", "client", "--port", "$port", "--name", "term") }
            try {
                assertEquals("term connected!", reader.readLine())
                withContext(Dispatchers.IO) {
                    child.awaitLine { it == "Welcome! 2 user(s) are online!" }
                    child.process.outputStream.apply { write("hello from the terminal\n".toByteArray()); flush() }
                }
                assertEquals("term: hello from the terminal", reader.readLine())
                writer.writeLine("hi term \u001b[2J\u0007")
                writer.drain()
                assertEquals("alice: hi term \u001b[2J\u0007", reader.readLine()) // relayed as it came
                withContext(Dispatchers.IO) {
                    // A peer's control characters are shown, never sent raw to the terminal.
                    child.awaitLine { it == "alice: hi term ^[[2J^G" }
                    child.process.outputStream.close() // end of input: the client leaves
                }
                assertEquals("term has left the chat", reader.readLine())
                val code = withContext(Dispatchers.IO) { child.finish() }
                assertEquals(0, code, child.seen.toString())
                assertTrue("Disconnected." in child.seen, child.seen.toString())
                // Its own line came back from the server, and is shown once: not also when typed.
                assertEquals(1, child.seen.lines().count { "hello from the terminal" in it }, child.seen.toString())
                assertTrue(child.seen.none { it == '\u001b' || it == '\u0007' }, child.seen.toString())
            } finally {
                withContext(Dispatchers.IO) { child.close() }
            }
            writer.close()
            stop.request()
            serving.join()
        }
    }

    /**
     * A server that behaves as the book's (chapter 8) does where it matters here, written afresh in
     * Python: it relays every line to everyone, the sender included, and never closes a connection
     * whose client has half-closed (it only tells the others that the user has left).
     */
    private val bookLikeServer = """
        import asyncio, sys
        writers = {}
        async def notify_all(message):
            for writer in list(writers.values()):
                writer.write(message.encode())
                await writer.drain()
        async def connected(reader, writer):
            name = (await reader.readline()).decode().split(' ', 1)[1].strip()
            writers[name] = writer
            writer.write(f'Welcome! {len(writers)} user(s) are online!\n'.encode())
            await writer.drain()
            await notify_all(f'{name} connected!\n')
            while (data := await reader.readline()) != b'':
                await notify_all(f'{name}: {data.decode()}')
            await notify_all(f'{name} has left the chat\n')
            await asyncio.sleep(60)  # and the connection stays open, as in the book
        async def main():
            server = await asyncio.start_server(connected, '127.0.0.1', 0)
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """.trimIndent()

    @Test
    fun againstAServerThatNeverClosesTheClientShowsItsLineOnceAndExitsZeroSoonAfterTheEndOfInput() {
        val python = ProcessBuilder("python3", "-c", bookLikeServer).redirectErrorStream(true).start()
        try {
            val port = python.inputStream.bufferedReader().readLine()!!.trim().toInt()
            ChildJvm("chat", "client", "--port", "$port", "--name", "ada").use { child ->
                child.awaitLine { it == "Welcome! 1 user(s) are online!" }
                child.awaitLine { it == "ada connected!" }
                child.process.outputStream.apply { write("hi all\n".toByteArray()); flush() }
                child.awaitLine { it == "ada: hi all" }
                val closedAt = System.nanoTime()
                child.process.outputStream.close()
                val code = child.finish()
                val seconds = (System.nanoTime() - closedAt) / 1e9
                assertEquals(0, code, child.seen.toString())
                assertTrue(seconds < 10, "it exited ${seconds}s after the end of its input")
                assertTrue("Disconnected." in child.seen, child.seen.toString())
                assertEquals(1, child.seen.lines().count { "hi all" in it }, child.seen.toString())
            }
        } finally {
            python.destroyForcibly()
        }
    }
}
