package dev.kaio.samples.chat

import dev.kaio.io.LimitOverrunException
import dev.kaio.io.Server
import dev.kaio.io.StreamReader
import dev.kaio.io.StreamWriter
import dev.kaio.io.startServer
import dev.kaio.samples.cli.StopRequest
import dev.kaio.samples.cli.serveUntil
import java.io.IOException
import java.io.PrintStream
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * The book's chapter 8 chat server, with its wire protocol to the byte, so the book's client works
 * with it: a client's first line is `CONNECT <name>`; it gets `Welcome! N user(s) are online!`;
 * everyone, the newcomer included, gets `<name> connected!`; every line a user sends goes to
 * everyone, the sender included (the book's client shows a user's own lines only through that
 * echo), as `<name>: ` and the line's bytes as they came (a CRLF line keeps its `\r`, bytes that
 * are not UTF-8 pass unchanged); the others get `<name> has left the chat` when it leaves.
 *
 * Extensions, as plain text lines a book client shows as they are:
 * - a taken name is refused with `Sorry, the name '<name>' is taken. Pick another one.` and the
 *   connection closed; a first line that is not `CONNECT <name>`, with a name of 1 to [MAX_NAME]
 *   characters and no control character, gets an `ERROR` line likewise (a name is shown on every
 *   user's terminal and in the log, where an ESC would drive the terminal);
 * - a line longer than the reader's limit is not relayed; its sender gets an `ERROR` line;
 * - each client has an [Outbox] sent by a writer task of its own, so a broadcast never waits for
 *   anyone. A client that stops reading (its socket took nothing for [stallTimeout]), or that
 *   reads so much slower than the room talks that [maxBacklog] bytes wait for it, is dropped: its
 *   connection is aborted and the others get `<name> was dropped: too slow to keep up`.
 *
 * **Cancellation.** Cancelling [serve] (or its [StopRequest]) stops it as [serveUntil] says;
 * sessions cancelled then are aborted. All sessions run on the caller's event loop.
 */
internal class ChatServer(
    private val maxBacklog: Long = 1024L * 1024,
    private val stallTimeout: Duration = 5.seconds,
    private val out: PrintStream = System.out,
) {
    private val users = HashMap<String, Client>() // touched on the loop's one thread only

    private inner class Client(val name: String, val writer: StreamWriter) {
        val outbox = Outbox(writer, maxBacklog, stallTimeout)

        /** Queues [line] for this client; never waits. A client that cannot take it is dropped. */
        fun send(line: ByteArray) {
            if (!outbox.offer(line)) drop("$name was dropped: too slow to keep up")
        }

        /** Ends this client's session at once; tells the others [why] if it was still in the room. */
        fun drop(why: String) {
            outbox.discard()
            writer.abort()
            if (users.remove(name, this)) {
                out.println(why)
                broadcast(why)
            }
        }

        /** The writer task. */
        suspend fun pump() {
            try {
                outbox.pump()
            } catch (slow: Outbox.TooSlowException) {
                drop("$name was dropped: too slow to keep up")
            } catch (gone: IOException) {
                drop("$name has left the chat") // the connection failed: to the others, a leave
            }
        }
    }

    private fun broadcast(line: String) = broadcast(line.toByteArray(Charsets.UTF_8) + NEWLINE)

    private fun broadcast(line: ByteArray) {
        for (client in users.values.toList()) client.send(line) // a send may drop a client
    }

    val onlineCount: Int get() = users.size

    /** Starts listening; connections are served by [session]. */
    suspend fun start(host: String, port: Int, maxLine: Int = StreamReader.DEFAULT_LIMIT): Server =
        startServer(host, port, limit = maxLine) { reader, writer -> session(reader, writer) }

    private suspend fun session(reader: StreamReader, writer: StreamWriter) {
        val first = try {
            withTimeoutOrNull(LOGIN_TIMEOUT) { reader.readLine() } ?: return
        } catch (tooLong: LimitOverrunException) {
            null
        }
        val name = first?.takeIf { it.startsWith("CONNECT ") }?.removePrefix("CONNECT ")?.trim()
        if (name == null || !isValidName(name)) {
            writer.writeLine("ERROR the first line must be CONNECT <name>, a name of 1 to $MAX_NAME characters without control characters")
            return
        }
        if (name in users) {
            writer.writeLine("Sorry, the name '$name' is taken. Pick another one.")
            return
        }
        val client = Client(name, writer)
        users[name] = client
        out.println("$name connected from ${writer.peerAddress}")
        coroutineScope {
            launch { client.pump() }
            try {
                client.send("Welcome! ${users.size} user(s) are online!\n".toByteArray())
                broadcast("$name connected!")
                val prefix = "$name: ".toByteArray(Charsets.UTF_8)
                while (true) {
                    val line = try {
                        reader.readLineBytes() ?: break
                    } catch (tooLong: LimitOverrunException) {
                        client.send("ERROR line too long, not sent\n".toByteArray())
                        continue
                    }
                    if (users[name] !== client) break // dropped meanwhile
                    // As the book relays it: the bytes as they came, ending included; only a last
                    // line without a newline gets one, so that it cannot run into the next message.
                    broadcast(if (line.last() == NEWLINE[0]) prefix + line else prefix + line + NEWLINE)
                    // The writer tasks send it before the next line is relayed: a burst (a paste)
                    // comes in one read, and relayed at once would wait in every outbox.
                    yield()
                }
            } finally {
                if (users.remove(name, client)) {
                    out.println("$name left")
                    broadcast("$name has left the chat")
                }
                client.outbox.close() // the writer task sends what is left, then ends
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

    internal companion object {
        private val LOGIN_TIMEOUT = 30.seconds
        private val NEWLINE = byteArrayOf('\n'.code.toByte())

        /** The longest name accepted, in characters. */
        const val MAX_NAME: Int = 32

        /** 1 to [MAX_NAME] characters, none of them a control character (C0, DEL or C1). */
        fun isValidName(name: String): Boolean = name.length in 1..MAX_NAME && name.none { it.isISOControl() }
    }
}
