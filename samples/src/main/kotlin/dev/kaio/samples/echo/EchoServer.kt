package dev.kaio.samples.echo

import dev.kaio.EventLoop
import dev.kaio.io.LimitOverrunException
import dev.kaio.io.Server
import dev.kaio.io.StreamReader
import dev.kaio.io.StreamWriter
import dev.kaio.io.startServer
import dev.kaio.samples.cli.Options
import dev.kaio.samples.cli.StopRequest
import dev.kaio.samples.cli.onSignals
import dev.kaio.samples.cli.runSample
import dev.kaio.samples.cli.serveUntil
import java.io.PrintStream
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The book's chapter 3 echo server on Kaio's streams: every line a client sends comes back to it,
 * byte for byte: bytes that are not UTF-8, a CRLF ending and a last line without a newline come
 * back exactly as they were sent.
 *
 * **Line limit.** A line longer than `--max-line` bytes is refused: the client gets
 * `ERROR line longer than N bytes` and the connection is closed (a client that sends unbounded lines
 * is broken or hostile; the reader never buffers more than the limit).
 *
 * **Stopping.** SIGINT/SIGTERM: the server stops accepting, open sessions may finish within
 * `--grace`, the rest are cancelled, it prints `stopped` and exits 0.
 */
public object EchoServer {
    internal const val USAGE: String = """Usage: kaio-samples echo [--host 127.0.0.1] [--port 8000] [--max-line 65536] [--grace 5s]
TCP echo server (book ch. 3): sends every line back to its client; many clients at once.
  --host HOST      address to listen on (default 127.0.0.1)
  --port PORT      port to listen on, 0 for a free one (default 8000)
  --max-line N     longest line accepted, in bytes (default 65536); a longer one gets an ERROR line and the connection is closed
  --grace D        on SIGINT/SIGTERM, how long open sessions may go on (default 5s; 500ms, 10s...)"""

    /** The launcher's entry point; returns the exit code. */
    @JvmStatic
    public fun run(args: Array<String>): Int = runSample("echo", USAGE) {
        val options = Options.parse(args.toList(), setOf("host", "port", "max-line", "grace"), USAGE, System.out)
            ?: return@runSample 0
        val host = options.string("host", "127.0.0.1")
        val port = options.int("port", 8000, 0..65535)
        val maxLine = options.int("max-line", StreamReader.DEFAULT_LIMIT, 1..Int.MAX_VALUE)
        val grace = options.duration("grace", 5.seconds)
        val stop = StopRequest()
        onSignals(stop) {
            EventLoop.run { serve(host, port, maxLine, grace, stop, System.out) }
        }
        0
    }

    /** Listens, prints `Listening on HOST:PORT`, calls [onListening], and serves until [stop]. */
    internal suspend fun serve(
        host: String,
        port: Int,
        maxLine: Int,
        grace: Duration,
        stop: StopRequest,
        out: PrintStream,
        onListening: (Server) -> Unit = {},
    ) {
        val server = startServer(host, port, limit = maxLine) { reader, writer -> echo(reader, writer, maxLine) }
        out.println("Listening on ${server.address.address.hostAddress}:${server.port}")
        onListening(server)
        server.serveUntil(stop, grace, out)
    }

    private suspend fun echo(reader: StreamReader, writer: StreamWriter, maxLine: Int) {
        while (true) {
            val line = try {
                reader.readLineBytes() ?: return
            } catch (tooLong: LimitOverrunException) {
                writer.writeLine("ERROR line longer than $maxLine bytes")
                return // the server closes the connection once the error line is sent
            }
            writer.write(line) // the bytes as they came: not decoded, ending (or none) kept
            writer.drain()
        }
    }
}
