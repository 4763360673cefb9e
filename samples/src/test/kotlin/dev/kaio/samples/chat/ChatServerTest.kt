package dev.kaio.samples.chat

import dev.kaio.EventLoop
import dev.kaio.io.Connection
import dev.kaio.io.Server
import dev.kaio.io.openConnection
import dev.kaio.samples.cli.StopRequest
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/** The chat sample's server end to end through real sockets on 127.0.0.1. */
class ChatServerTest {
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

    private suspend fun Connection.expect(line: String) = assertEquals(line, reader.readLine())

    private suspend fun join(port: Int, name: String, online: Int): Connection =
        openConnection("127.0.0.1", port).also {
            it.writer.writeLine("CONNECT $name")
            it.expect("Welcome! $online user(s) are online!")
        }

    private suspend fun Connection.say(text: String) {
        writer.writeLine(text)
        writer.drain()
    }

    @Test
    fun threeUsersJoinTalkAndLeaveAndATakenNameIsRefused() = withChatServer { port ->
        val alice = join(port, "alice", 1)
        val bob = join(port, "bob", 2)
        alice.expect("bob connected!")
        val carol = join(port, "carol", 3)
        alice.expect("carol connected!")
        bob.expect("carol connected!")

        alice.say("hi all")
        bob.expect("alice: hi all")
        carol.expect("alice: hi all")

        val impostor = openConnection("127.0.0.1", port)
        impostor.writer.writeLine("CONNECT bob")
        impostor.expect("Sorry, the name 'bob' is taken. Pick another one.")
        assertNull(impostor.reader.readLine())
        impostor.writer.close()

        carol.writer.close()
        alice.expect("carol has left the chat")
        bob.expect("carol has left the chat")

        bob.say("bye")
        alice.expect("bob: bye") // and not her own "hi all": lines go to everyone else
        alice.writer.close()
        bob.expect("alice has left the chat")
        bob.writer.close()
    }

    @Test
    fun aClientThatStopsReadingIsDroppedWhileTheOthersKeepChatting() = withChatServer { port ->
        val alice = join(port, "alice", 1)
        val bob = join(port, "bob", 2)
        alice.expect("bob connected!")
        // A client that joins and then never reads: a small receive window fills up quickly.
        val stalled = withContext(Dispatchers.IO) {
            Socket().apply {
                receiveBufferSize = 4096
                connect(InetSocketAddress("127.0.0.1", port), 5_000)
                getOutputStream().write("CONNECT stalled\n".toByteArray())
            }
        }
        try {
            alice.expect("stalled connected!")
            bob.expect("stalled connected!")
            // Alice talks in batches that Bob reads in full before the next: Bob keeps up, the
            // stalled client's socket buffers and then its outbox of 100 lines fill up.
            val text = "x".repeat(8 * 1024)
            var dropped = false
            var batches = 0
            while (!dropped) {
                check(++batches <= 2_000) { "the stalled client was never dropped" }
                repeat(50) { alice.say(text) }
                var received = 0
                while (received < 50) {
                    when (val line = bob.reader.readLine()) {
                        "alice: $text" -> received++
                        "stalled was dropped: too slow to keep up" -> dropped = true
                        else -> error("unexpected line for bob: ${line?.take(80)}")
                    }
                }
            }
            alice.expect("stalled was dropped: too slow to keep up")
            alice.say("still here")
            bob.expect("alice: still here")
            bob.say("me too")
            alice.expect("bob: me too")
            assertTrue("stalled was dropped" in output.toString(), output.toString())
        } finally {
            withContext(Dispatchers.IO) { stalled.close() }
        }
        alice.writer.close()
        bob.writer.close()
    }

    @Test
    fun aBurstOfLinesFromOneUserReachesTheOthersAndDropsNobody() = withChatServer { port ->
        val bob = join(port, "bob", 1)
        // Alice's login and 300 lines (more than an outbox holds) in one write, so the server
        // finds them all in one read: a paste into a terminal client, or a quick script.
        val alice = openConnection("127.0.0.1", port)
        val burst = (1..300).joinToString("") { "line $it\n" }
        alice.writer.write("CONNECT alice\n$burst".toByteArray())
        alice.writer.drain()
        alice.expect("Welcome! 2 user(s) are online!")
        bob.expect("alice connected!")
        for (n in 1..300) bob.expect("alice: line $n") // Bob reads all along: he keeps up
        alice.writer.close()
        bob.expect("alice has left the chat")
        bob.writer.close()
    }

    @Test
    fun aPythonAsyncioClientSpeaksTheSameProtocol() = withChatServer { port ->
        val alice = join(port, "alice", 1)
        val script = """
            import asyncio, sys
            async def main(port):
                reader, writer = await asyncio.open_connection('127.0.0.1', port)
                writer.write(b'CONNECT py\n')
                await writer.drain()
                welcome = (await reader.readline()).decode().rstrip('\n')
                print(welcome, flush=True)
                writer.write(b'hello from python\n')
                await writer.drain()
                relayed = (await reader.readline()).decode().rstrip('\n')
                print(relayed, flush=True)
                writer.close()
                await writer.wait_closed()
                sys.exit(0 if welcome == 'Welcome! 2 user(s) are online!' and relayed == 'alice: hello python' else 1)
            asyncio.run(asyncio.wait_for(main(int(sys.argv[1])), 20))
        """.trimIndent()
        val python = withContext(Dispatchers.IO) {
            ProcessBuilder("python3", "-c", script, port.toString()).redirectErrorStream(true).start()
        }
        try {
            alice.expect("py connected!")
            alice.expect("py: hello from python")
            alice.say("hello python")
            alice.expect("py has left the chat")
            val (code, printed) = withContext(Dispatchers.IO) {
                check(python.waitFor(20, TimeUnit.SECONDS)) { "python did not end" }
                python.exitValue() to python.inputStream.bufferedReader().readText()
            }
            assertEquals(0, code, printed)
            assertTrue(printed.startsWith("Welcome! 2 user(s) are online!"), printed)
        } finally {
            python.destroyForcibly()
        }
        alice.writer.close()
    }
}
