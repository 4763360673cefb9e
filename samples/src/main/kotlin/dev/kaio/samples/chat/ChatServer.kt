package dev.kaio.samples.chat

import dev.kaio.io.LimitOverrunException
import dev.kaio.io.Server
import dev.kaio.io.StreamReader
import dev.kaio.io.StreamWriter
import dev.kaio.io.startServer
import dev.kaio.queue.AsyncQueue
import dev.kaio.queue.QueueShutdownException
import dev.kaio.samples.cli.StopRequest
import dev.kaio.samples.cli.serveUntil
import java.io.IOException
import java.io.PrintStream
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * The book's chapter 8 chat server, with its wire protocol: a client's first line is
 * `CONNECT <name>`; it gets `Welcome! N user(s) are online!`; the others get `<name> connected!`,
 * each of its lines as `<name>: <text>`, and `<name> has left the chat`.
 *
 * Extensions, as plain text lines a book client shows as they are:
 * - a taken name is refused with `Sorry, the name '<name>' is taken. Pick another one.` and the
 *   connection closed; a first line that is not `CONNECT <name>` gets an `ERROR` line likewise;
 * - each client has its own outbox of [outboxSize] lines, sent by a writer task of its own. A
 *   client whose outbox is full (it stopped reading, or reads slower than the room talks) is
 *   dropped: its connection is aborted and the others get `<name> was dropped: too slow to keep up`.
 *   So a slow client never slows down the others: a broadcast never waits for anyone.
 */
internal class ChatServer(private val outboxSize: Int = 100, private val out: PrintStream = System.out) {
    private val users = ConcurrentHashMap<String, Client>()

    private inner class Client(val name: String, val writer: StreamWriter) {
        val outbox = AsyncQueue.fifo<String>(outboxSize)

        /** Queues [line] for this client; never waits. A full outbox drops the client. */
        fun send(line: String) {
            val queued = try {
                outbox.tryPut(line)
            } catch (gone: QueueShutdownException) {
                return
            }
            if (!queued) drop("$name was dropped: too slow to keep up")
        }

        /** Ends this client's session at once and tells the others [why]; a no-op if it has left. */
        fun drop(why: String) {
            if (!users.remove(name, this)) return
            outbox.shutdown(immediate = true)
            writer.abort()
            out.println(why)
            broadcast(this, why)
        }

        /** The writer task: sends the outbox in order, waiting for the socket as it must. */
        suspend fun pump() {
            try {
                while (true) {
                    val line = try {
                        outbox.get()
                    } catch (done: QueueShutdownException) {
                        return
                    }
                    writer.writeLine(line)
                    writer.drain()
                }
            } catch (gone: IOException) {
                drop("$name has left the chat") // the connection failed: to the others, a leave
            }
        }
    }

    private fun broadcast(sender: Client?, line: String) {
        for (client in users.values) if (client !== sender) client.send(line)
    }

    val onlineCount: Int get() = users.size

    /** Starts listening; connections are served by [session]. */
    suspend fun start(host: String, port: Int, maxLine: Int = StreamReader.DEFAULT_LIMIT): Server =
        startServer(host, port, limit = maxLine) { reader, writer -> session(reader, writer) }

    private suspend fun session(reader: StreamReader, writer: StreamWriter) {
        val first = withTimeoutOrNull(LOGIN_TIMEOUT) { reader.readLine() } ?: return
        val name = first.removePrefix("CONNECT ").trim()
        if (!first.startsWith("CONNECT ") || name.isEmpty()) {
            writer.writeLine("ERROR the first line must be CONNECT <name>")
            return
        }
        val client = Client(name, writer)
        if (users.putIfAbsent(name, client) != null) {
            writer.writeLine("Sorry, the name '$name' is taken. Pick another one.")
            return
        }
        out.println("$name connected from ${writer.peerAddress}")
        coroutineScope {
            launch { client.pump() }
            try {
                client.send("Welcome! ${users.size} user(s) are online!")
                broadcast(client, "$name connected!")
                while (true) {
                    val line = try {
                        reader.readLine() ?: break
                    } catch (tooLong: LimitOverrunException) {
                        client.send("ERROR line too long, not sent")
                        continue
                    }
                    if (users[name] !== client) break // dropped meanwhile
                    broadcast(client, "$name: $line")
                    // The writer tasks send it before the next line is relayed: a burst (a paste)
                    // comes in one read, and relayed at once it would fill every outbox.
                    yield()
                }
            } finally {
                if (users.remove(name, client)) {
                    out.println("$name left")
                    broadcast(client, "$name has left the chat")
                }
                client.outbox.shutdown() // the writer task sends what is left, then ends
            }
        }
    }

    /** Listens on [host]:[port], prints `Listening on HOST:PORT`, and serves until [stop]. */
    suspend fun serve(host: String, port: Int, grace: Duration, stop: StopRequest, onListening: (Server) -> Unit = {}) {
        val server = start(host, port)
        out.println("Listening on ${server.address.address.hostAddress}:${server.port}")
        onListening(server)
        server.serveUntil(stop, grace, out)
    }

    private companion object {
        val LOGIN_TIMEOUT = 30.seconds
    }
}
