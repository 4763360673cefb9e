package dev.kaio.samples.chat

import dev.kaio.EventLoop
import dev.kaio.io.Server
import dev.kaio.io.openConnection
import dev.kaio.samples.cli.StopRequest
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.util.BitSet
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * A burst of users who all read along: joining at once and then talking at once, none may be
 * dropped as "too slow", and every line must reach every user. (A client is too slow only when its
 * socket refuses writes over time; a burst that a reading client drains in milliseconds is not.)
 */
class ChatBurstTest {
    private class Received(val welcomeCount: Int, val joinsSeen: Int, val messagesFrom: BitSet, val other: List<String>)

    /**
     * 300 users in CI (the old outbox limit dropped most of 150 already); run it with
     * `-Dkaio.chat.burst.users=2000` for the full-size burst, which takes a minute or so on two cores.
     */
    @Test
    fun hundredsOfReadingUsersJoinAndTalkAtOnceAndNoneIsDropped() = EventLoop.run {
        val users = System.getProperty("kaio.chat.burst.users")?.toInt() ?: 300
        val log = ByteArrayOutputStream()
        val stop = StopRequest()
        val ready = CompletableDeferred<Server>()
        val serving = launch {
            ChatServer(out = PrintStream(log, true, Charsets.UTF_8)).serve("127.0.0.1", 0, 1.seconds, stop) { ready.complete(it) }
        }
        val port = ready.await().port
        val joined = java.util.concurrent.atomic.AtomicInteger()
        val allJoined = CompletableDeferred<Unit>()
        val received = withTimeout((30 + users / 10).seconds) {
            coroutineScope {
                (0 until users).map { n ->
                    async {
                        val (reader, writer) = openConnection("127.0.0.1", port, timeout = 60.seconds)
                        writer.writeLine("CONNECT u$n")
                        val welcome = reader.readLine()!!
                        val count = welcome.removePrefix("Welcome! ").removeSuffix(" user(s) are online!").toInt()
                        assertEquals("u$n connected!", reader.readLine(), "the newcomer's own join comes right after its welcome")
                        if (joined.incrementAndGet() == users) allJoined.complete(Unit)
                        var joins = 1
                        val from = BitSet(users)
                        val other = ArrayList<String>()
                        val talking = launch {
                            allJoined.await()
                            writer.writeLine("hello from u$n")
                            writer.drain()
                        }
                        while (from.cardinality() < users) {
                            val line = reader.readLine() ?: break
                            when {
                                line.endsWith(" connected!") -> joins++
                                line.startsWith("u") && line.contains(": hello from u") ->
                                    from.set(line.substringAfterLast("hello from u").toInt())
                                else -> other += line
                            }
                        }
                        talking.join()
                        writer.abort()
                        Received(count, joins, from, other)
                    }
                }.awaitAll()
            }
        }
        stop.request()
        serving.join()

        assertEquals((1..users).toList(), received.map { it.welcomeCount }.sorted(), "each user was welcomed as the n-th online")
        for (user in received) {
            assertEquals(emptyList(), user.other, "no user was dropped or got anything else")
            assertEquals(users, user.messagesFrom.cardinality(), "every line reached every user, their own included")
            assertEquals(users - user.welcomeCount + 1, user.joinsSeen, "the n-th user sees its own join and every later one")
        }
        assertTrue("dropped" !in log.toString(), log.toString().lines().filter { "dropped" in it }.take(5).toString())
    }
}
