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
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/** The chat sample's server end to end through real sockets on 127.0.0.1. */
class ChatServerTest {
    private val output = ByteArrayOutputStream()
    private val out = PrintStream(output, true, Charsets.UTF_8)

    private fun withChatServer(chat: ChatServer = ChatServer(out = out), body: suspend CoroutineScope.(Int) -> Unit) = EventLoop.run {
        withTimeout(40.seconds) {
            val stop = StopRequest()
            val ready = CompletableDeferred<Server>()
            val serving = launch { chat.serve("127.0.0.1", 0, 1.seconds, stop) { ready.complete(it) } }
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
            it.expect("$name connected!") // to everyone, the newcomer included
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
        for (user in listOf(alice, bob, carol)) user.expect("alice: hi all") // the sender included

        val impostor = openConnection("127.0.0.1", port)
        impostor.writer.writeLine("CONNECT bob")
        impostor.expect("Sorry, the name 'bob' is taken. Pick another one.")
        assertNull(impostor.reader.readLine())
        impostor.writer.close()

        carol.writer.close()
        alice.expect("carol has left the chat")
        bob.expect("carol has left the chat")

        bob.say("bye")
        alice.expect("bob: bye")
        bob.expect("bob: bye")
        alice.writer.close()
        bob.expect("alice has left the chat")
        bob.writer.close()
    }

    /** A client that joins and then never reads: a small receive window fills up quickly. */
    private suspend fun stalledClient(port: Int): Socket = withContext(Dispatchers.IO) {
        Socket().apply {
            receiveBufferSize = 4096
            connect(InetSocketAddress("127.0.0.1", port), 5_000)
            getOutputStream().write("CONNECT stalled\n".toByteArray())
        }
    }

    /**
     * Alice talks in batches of [lines] lines of [text], which she and Bob read in full before the
     * next (they keep up), until the stalled client is dropped; returns the bytes Alice sent.
     */
    private suspend fun talkUntilStalledIsDropped(alice: Connection, bob: Connection, text: String, lines: Int, pause: Duration): Long {
        val dropLine = "stalled was dropped: too slow to keep up"
        val saw = mutableMapOf(alice to false, bob to false)
        var sent = 0L
        var batches = 0
        while (saw.values.none { it }) {
            check(++batches <= 2_000) { "the stalled client was never dropped" }
            repeat(lines) { alice.say(text) }
            sent += lines * (text.length + 1L)
            for (user in saw.keys) {
                var received = 0
                while (received < lines) {
                    when (val line = user.reader.readLine()) {
                        "alice: $text" -> received++
                        dropLine -> saw[user] = true
                        else -> error("unexpected line: ${line?.take(80)}")
                    }
                }
            }
            delay(pause)
        }
        for ((user, seen) in saw) if (!seen) user.expect(dropLine) // it came right after the last line
        return sent
    }

    private suspend fun expectTheOthersKeepChatting(alice: Connection, bob: Connection) {
        alice.say("still here")
        alice.expect("alice: still here")
        bob.expect("alice: still here")
        bob.say("me too")
        alice.expect("bob: me too")
        bob.expect("bob: me too")
        assertTrue("stalled was dropped" in output.toString(), output.toString())
        alice.writer.close()
        bob.expect("alice has left the chat")
        bob.writer.close()
    }

    @Test
    fun aClientThatStopsReadingIsDroppedOnceAMegabyteWaitsForItWhileTheOthersKeepChatting() = withChatServer { port ->
        val alice = join(port, "alice", 1)
        val bob = join(port, "bob", 2)
        alice.expect("bob connected!")
        val stalled = stalledClient(port)
        try {
            alice.expect("stalled connected!")
            bob.expect("stalled connected!")
            // 400 KB a batch: the stalled client's socket buffers fill, then its 1 MiB backlog,
            // long before its 5 s stall timeout.
            talkUntilStalledIsDropped(alice, bob, "x".repeat(8 * 1024), lines = 50, pause = Duration.ZERO)
            expectTheOthersKeepChatting(alice, bob)
        } finally {
            withContext(Dispatchers.IO) { stalled.close() }
        }
    }

    @Test
    fun aClientWhoseSocketTakesNothingForTheStallTimeoutIsDroppedLongBeforeItsBacklogIsFull() =
        withChatServer(ChatServer(maxBacklog = 64L * 1024 * 1024, stallTimeout = 300.milliseconds, out = out)) { port ->
            val alice = join(port, "alice", 1)
            val bob = join(port, "bob", 2)
            alice.expect("bob connected!")
            val stalled = stalledClient(port)
            try {
                alice.expect("stalled connected!")
                bob.expect("stalled connected!")
                // 50 KB every 10 ms: the stalled client's socket buffers fill (a few MB on loopback).
                val sent = talkUntilStalledIsDropped(alice, bob, "y".repeat(1024), lines = 50, pause = 10.milliseconds)
                assertTrue(sent < 32L * 1024 * 1024, "dropped by the stall timeout, not by the backlog: $sent bytes sent")
                expectTheOthersKeepChatting(alice, bob)
            } finally {
                withContext(Dispatchers.IO) { stalled.close() }
            }
        }

    @Test
    fun aBurstOfLinesFromOneUserReachesTheOthersAndDropsNobody() = withChatServer { port ->
        val bob = join(port, "bob", 1)
        // Alice's login and 300 lines in one write, so the server
        // finds them all in one read: a paste into a terminal client, or a quick script.
        val alice = openConnection("127.0.0.1", port)
        val burst = (1..300).joinToString("") { "line $it\n" }
        alice.writer.write("CONNECT alice\n$burst".toByteArray())
        alice.writer.drain()
        alice.expect("Welcome! 2 user(s) are online!")
        alice.expect("alice connected!")
        bob.expect("alice connected!")
        for (n in 1..300) bob.expect("alice: line $n") // Bob reads all along: he keeps up
        for (n in 1..300) alice.expect("alice: line $n") // Alice reads later: 300 lines are no backlog
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
                joined = await reader.readline()
                writer.write(b'hello from python\n')
                await writer.drain()
                echoed = await reader.readline()
                relayed = (await reader.readline()).decode().rstrip('\n')
                print(relayed, flush=True)
                writer.close()
                await writer.wait_closed()
                ok = (welcome == 'Welcome! 2 user(s) are online!' and joined == b'py connected!\n'
                      and echoed == b'py: hello from python\n' and relayed == 'alice: hello python')
                sys.exit(0 if ok else 1)
            asyncio.run(asyncio.wait_for(main(int(sys.argv[1])), 20))
        """.trimIndent()
        val python = withContext(Dispatchers.IO) {
            ProcessBuilder("python3", "-c", script, port.toString()).redirectErrorStream(true).start()
        }
        try {
            alice.expect("py connected!")
            alice.expect("py: hello from python")
            alice.say("hello python")
            alice.expect("alice: hello python")
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
