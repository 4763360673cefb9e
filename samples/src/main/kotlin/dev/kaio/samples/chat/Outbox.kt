package dev.kaio.samples.chat

import dev.kaio.io.StreamWriter
import java.io.IOException
import kotlin.time.Duration
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withTimeoutOrNull

/**
 * One chat client's lines on their way out: a queue that [offer] fills without ever waiting, and
 * the writer task ([pump]) that sends it in order, waiting for the socket as it must.
 *
 * **When a client is too slow.** Not when many lines are queued at once: a burst (hundreds of
 * users joining or talking in the same millisecond) queues thousands of lines before any writer
 * task has run, and a client that reads along drains them in milliseconds. A client is too slow
 * when its socket refuses bytes over time: [pump] fails with [TooSlowException] when the socket
 * took nothing at all for [stallTimeout] while bytes were waiting. So that such a client cannot
 * eat the server's memory meanwhile, [offer] refuses a line once [maxBacklog] bytes wait for it
 * (queued here and in the writer's buffer), far more than any burst of a reading client holds.
 *
 * **Threads.** Meant for the event loop's one thread; [offer] and [discard] never suspend.
 */
internal class Outbox(private val writer: StreamWriter, private val maxBacklog: Long, private val stallTimeout: Duration) {
    private val lines = Channel<ByteArray>(Channel.UNLIMITED)
    private var queuedBytes = 0L
    private var discarded = false

    /** The client stopped taking bytes for a whole stall timeout. */
    class TooSlowException : IOException("the client took no bytes for a whole stall timeout")

    /**
     * Queues [line] (its bytes as sent, newline included); never waits. Returns false, queueing
     * nothing, when that would put more than [maxBacklog] bytes in wait. After [close] or
     * [discard], a no-op that returns true.
     */
    fun offer(line: ByteArray): Boolean {
        if (discarded) return true
        if (queuedBytes + writer.bufferedByteCount + line.size > maxBacklog) return false
        if (lines.trySend(line).isSuccess) queuedBytes += line.size
        return true
    }

    /** No more lines: [pump] sends what is queued, then returns. */
    fun close() {
        lines.close()
    }

    /** No more lines, and the queued ones are dropped: [pump] returns at once. */
    fun discard() {
        discarded = true
        lines.close()
    }

    /**
     * Sends the queued lines in order until [close] or [discard].
     *
     * @throws TooSlowException if the socket took nothing for [stallTimeout] while bytes waited.
     * @throws IOException if the connection failed.
     */
    suspend fun pump() {
        for (line in lines) {
            if (discarded) return
            queuedBytes -= line.size
            writer.write(line)
            drainOrStall()
        }
    }

    /** [StreamWriter.drain], failing only when a whole [stallTimeout] passed without progress. */
    private suspend fun drainOrStall() {
        while (true) {
            // Only this task writes, so while it waits the buffer can only shrink: if it did not
            // shrink at all, the peer's receive window stayed shut the whole time.
            val before = writer.bufferedByteCount
            if (withTimeoutOrNull(stallTimeout) { writer.drain() } != null) return
            if (discarded) return
            if (writer.bufferedByteCount >= before) throw TooSlowException()
        }
    }
}
