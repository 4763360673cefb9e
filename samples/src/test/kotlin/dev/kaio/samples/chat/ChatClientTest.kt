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

            val child = withContext(Dispatchers.IO) { ChildJvm("chat", "client", "--port", "$port", "--name", "term") }
            try {
                assertEquals("term connected!", reader.readLine())
                withContext(Dispatchers.IO) {
                    child.awaitLine { it == "Welcome! 2 user(s) are online!" }
                    child.process.outputStream.apply { write("hello from the terminal\n".toByteArray()); flush() }
                }
                assertEquals("term: hello from the terminal", reader.readLine())
                writer.writeLine("hi term")
                writer.drain()
                withContext(Dispatchers.IO) {
                    child.awaitLine { it == "alice: hi term" }
                    child.process.outputStream.close() // end of input: the client leaves
                }
                assertEquals("term has left the chat", reader.readLine())
                val code = withContext(Dispatchers.IO) { child.finish() }
                assertEquals(0, code, child.seen.toString())
                assertTrue("Disconnected." in child.seen, child.seen.toString())
            } finally {
                withContext(Dispatchers.IO) { child.close() }
            }
            writer.close()
            stop.request()
            serving.join()
        }
    }
}
