package dev.kaio.samples.cli

import dev.kaio.io.Server
import java.io.PrintStream
import kotlin.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import sun.misc.Signal
import sun.misc.SignalHandler

/**
 * A request to stop a server gracefully, made by SIGINT/SIGTERM (see [onSignals]) or by a test.
 */
internal class StopRequest {
    private val requested = CompletableDeferred<Unit>()

    fun request() {
        requested.complete(Unit)
    }

    suspend fun await() = requested.await()
}

/**
 * Runs [body] with SIGINT and SIGTERM turned into [stop] requests, then restores the previous
 * handlers.
 *
 * Why not `EventLoop.run`'s own signal handling: it cancels the loop's main task, and with it every
 * task of the loop, connection handlers included, so no session could finish within a grace period;
 * and the JVM then exits through its shutdown sequence with status 143. Handling the signals here
 * keeps the JVM out of shutdown until the sample has stopped, so it exits 0.
 */
internal inline fun <T> onSignals(stop: StopRequest, body: () -> T): T {
    val handler = SignalHandler { stop.request() }
    val previous = listOf("INT", "TERM").mapNotNull { name ->
        runCatching { Signal(name) to Signal.handle(Signal(name), handler) }.getOrNull()
    }
    try {
        return body()
    } finally {
        for ((signal, old) in previous) runCatching { Signal.handle(signal, old) }
    }
}

/**
 * Serves until [stop] is requested (or the caller is cancelled), then stops like asyncio's
 * servers should: stop accepting, let open sessions finish within [grace], then cancel the rest.
 */
internal suspend fun Server.serveUntil(stop: StopRequest, grace: Duration, out: PrintStream) {
    try {
        stop.await()
    } finally {
        withContext(NonCancellable) {
            close()
            out.println("Stopping: no longer accepting; waiting up to $grace for $connectionCount open session(s)")
            val finished = withTimeoutOrNull(grace) { waitClosed() } != null
            if (!finished) {
                out.println("Grace period over: cancelling $connectionCount session(s)")
                abortClients()
                waitClosed()
            }
            out.println("stopped")
        }
    }
}
