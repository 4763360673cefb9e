package dev.kaio.samples.chat

import dev.kaio.EventLoop
import dev.kaio.io.openConnection
import dev.kaio.samples.cli.Options
import dev.kaio.samples.cli.RawTerminal
import dev.kaio.samples.cli.StopRequest
import dev.kaio.samples.cli.Terminal
import dev.kaio.samples.cli.UsageException
import dev.kaio.samples.cli.onSignals
import dev.kaio.samples.cli.runSample
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull

/** `kaio-samples chat server|client`: the book's chapter 8 chat. */
public object ChatSample {
    internal const val USAGE: String = """Usage: kaio-samples chat server [--host 127.0.0.1] [--port 8000] [--grace 5s]
       kaio-samples chat client [--host 127.0.0.1] [--port 8000] --name NAME
Chat server and terminal client (book ch. 8), with the book's wire protocol.
  server   accepts clients; relays each line as "<name>: <text>" to everyone, its sender included;
           a taken name, or one with control characters or over 32 characters, is refused; a
           client that stops reading (its socket takes nothing for 5 s, or 1 MiB waits for it)
           is dropped
  client   connects as NAME; type a line and Enter to send it (it shows once the server relays
           it); Ctrl-D or the end of input leaves
  --host HOST   address to listen on / connect to (default 127.0.0.1)
  --port PORT   port (default 8000; the server takes 0 for a free one)
  --grace D     server: on SIGINT/SIGTERM, how long open sessions may go on (default 5s)
  --name NAME   client: the user name"""

    /** The launcher's entry point; returns the exit code. */
    @JvmStatic
    public fun run(args: Array<String>): Int = runSample("chat", USAGE) {
        val options = Options.parse(args.toList(), setOf("host", "port", "grace", "name"), USAGE, System.out, maxPositional = 1)
            ?: return@runSample 0
        val host = options.string("host", "127.0.0.1")
        val port = options.int("port", 8000, 0..65535)
        when (options.positional.firstOrNull()) {
            "server" -> {
                if (options.stringOrNull("name") != null) throw UsageException("--name is for the client")
                val grace = options.duration("grace", 5.seconds)
                val stop = StopRequest()
                onSignals(stop) { EventLoop.run { ChatServer().serve(host, port, grace, stop) } }
                0
            }
            "client" -> {
                val name = options.stringOrNull("name") ?: throw UsageException("the client needs --name NAME")
                if (!ChatServer.isValidName(name)) {
                    throw UsageException("--name must be 1 to ${ChatServer.MAX_NAME} characters without control characters")
                }
                if (options.stringOrNull("grace") != null) throw UsageException("--grace is for the server")
                client(host, port, name)
            }
            null -> throw UsageException("say 'server' or 'client'")
            else -> throw UsageException("unknown mode '${options.positional.first()}': say 'server' or 'client'")
        }
    }

    /**
     * The terminal client: prints incoming lines; sends each line typed. Standard input is read by
     * a daemon thread of its own (a blocking read cannot be cancelled, and must never hold the loop),
     * which hands lines to the loop through a channel. At a terminal the input comes a character at
     * a time and a [ChatScreen] keeps the line being typed below the messages that arrive.
     */
    private fun client(host: String, port: Int, name: String): Int {
        val raw = if (Terminal.isInteractive) RawTerminal.enter() else null
        val screen = ChatScreen(System.out, interactive = raw != null)
        try {
            return EventLoop.run { chat(host, port, name, screen, raw != null) }
        } finally {
            raw?.close()
        }
    }

    private suspend fun chat(host: String, port: Int, name: String, screen: ChatScreen, raw: Boolean): Int = coroutineScope {
        val (reader, writer) = openConnection(host, port, timeout = 10.seconds)
        try {
            writer.writeLine("CONNECT $name")
            val typed = Channel<String?>(16)
            thread(isDaemon = true, name = "chat-stdin") {
                if (raw) readKeys(screen, typed) else readLines(typed)
            }
            screen.start()
            val receiving = launch {
                while (true) {
                    val line = reader.readLine() ?: break
                    screen.message(line)
                }
            }
            val sending = launch {
                while (true) {
                    val line = typed.receive() ?: break
                    if (line.isBlank()) continue
                    writer.writeLine(line) // not shown here: the server sends it back to everyone, us included
                    writer.drain()
                }
                // Done talking: half-close so the server sees us leave, and give it a moment to
                // close in turn. The book's server never does, so after that moment we close.
                writer.writeEof()
                if (withTimeoutOrNull(LEAVE_WAIT) { receiving.join() } == null) receiving.cancel()
            }
            receiving.join()
            sending.cancel()
        } finally {
            writer.close()
        }
        screen.finish("Disconnected.")
        0
    }

    /** After the end of input, how long the client waits for the server to close the connection. */
    private val LEAVE_WAIT = 1.seconds

    /** Hands each line of standard input to [typed], then null at its end. */
    private fun readLines(typed: Channel<String?>) {
        val input = System.`in`.bufferedReader()
        while (true) {
            val line = input.readLine()
            if (typed.trySendBlocking(line).isFailure || line == null) break
        }
    }

    /** Feeds each key to [screen]; hands each completed line to [typed], then null at the end. */
    private fun readKeys(screen: ChatScreen, typed: Channel<String?>) {
        val input = System.`in`.reader(Charsets.UTF_8)
        while (true) {
            val code = input.read()
            val key = if (code < 0) ChatScreen.Key("", end = true) else screen.type(code.toChar())
            val line = if (key.end) null else key.line ?: continue
            if (typed.trySendBlocking(line).isFailure || line == null) break
        }
    }
}
