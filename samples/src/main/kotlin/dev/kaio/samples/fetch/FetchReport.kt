package dev.kaio.samples.fetch

import dev.kaio.samples.cli.Terminal
import java.io.PrintStream
import java.net.ConnectException
import java.net.UnknownHostException
import java.nio.channels.UnresolvedAddressException
import java.time.Duration
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletionException
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeoutException
import kotlin.time.toKotlinDuration

/** How `fetch` waits for its URLs: the book's chapter 4 trio. */
public enum class FetchMode(
    /** The name on the command line. */
    public val option: String,
) {
    /** All at once, results in argument order (asyncio's `gather(return_exceptions=True)`). */
    GATHER("gather"),

    /** Each result as soon as it arrives, with a progress count, within the timeout. */
    AS_COMPLETED("as-completed"),

    /** Waits up to the timeout, then says what finished and what did not, and cancels the rest. */
    WAIT("wait"),
}

/** What `fetch` was asked to do; the Kotlin and the Java variant read the same configuration. */
public class FetchConfig(
    /** The URLs, in the order given. */
    public val urls: List<String>,
    /** How to wait for them. */
    public val mode: FetchMode,
    /** At most this many requests at a time. */
    public val limit: Int,
    /** as-completed and wait: how long to wait for all of them. */
    public val timeout: Duration,
    /** The bound on each request (connect, and the whole exchange). */
    public val requestTimeout: Duration,
)

/** A URL's answer: its HTTP status, the size of the body and when it had arrived, from the start. */
public class FetchAnswer(
    /** The HTTP status code. */
    public val status: Int,
    /** The body's size in bytes. */
    public val bytes: Long,
    /** Milliseconds from the start of the run until the whole body had arrived. */
    public val atMillis: Long,
)

/**
 * What `fetch` prints, the same for both variants: one line per URL (its answer, or why it has
 * none), the as-completed progress, and the summary.
 *
 * **Live progress.** At a terminal, as-completed keeps a progress line at the bottom, cleared and
 * redrawn around each result line; elsewhere (pipes, tests) each result line starts with `[k/n]`
 * and nothing is redrawn. Methods may be called from any thread; the output stays whole lines.
 */
public class FetchReport @JvmOverloads constructor(
    private val out: PrintStream,
    /** The configuration reported on. */
    public val config: FetchConfig,
    private val interactive: Boolean = Terminal.isInteractive,
) {
    private val start = System.nanoTime()
    private var answered = 0
    private var errorStatus = 0
    private var failed = 0
    private var cancelled = 0
    private var completed = 0
    private var progressShown = false

    /** How many URLs got no answer (refused, timed out, ...), not counting cancelled ones. */
    public val failures: Int
        @Synchronized get() = failed

    /** Milliseconds since this report was made, at the start of the run. */
    public fun elapsedMillis(): Long = (System.nanoTime() - start) / 1_000_000

    /** Prints what is about to happen; [variant] names the client. */
    @Synchronized
    public fun header(variant: String) {
        val what = when (config.mode) {
            FetchMode.GATHER -> "results in argument order"
            FetchMode.AS_COMPLETED -> "results as they arrive, giving up after ${text(config.timeout)}"
            FetchMode.WAIT -> "waiting at most ${text(config.timeout)}, then reporting what finished and what did not"
        }
        out.println("${config.mode.option} ($variant): ${config.urls.size} URL(s), at most ${config.limit} at a time; $what")
    }

    /**
     * The line for [url], which ended with [answer] or [failure] (one of them null), counted in
     * the summary. A failure is described (`timed out after 5s`, `connection refused`, ...).
     */
    @Synchronized
    public fun line(url: String, answer: FetchAnswer?, failure: Throwable?): String {
        val (code, detail) = if (answer != null) {
            answered++
            if (answer.status >= 400) errorStatus++
            "${answer.status}" to "${answer.bytes} bytes at ${answer.atMillis} ms"
        } else {
            val reason = describe(failure)
            if (reason == CANCELLED) cancelled++ else failed++
            "ERR" to reason
        }
        return row(code, detail, url)
    }

    /** Prints [line] whole, above the progress line if one is shown. */
    @Synchronized
    public fun print(line: String) {
        if (progressShown) out.print(Terminal.CLEAR_LINE)
        out.println(line)
        if (progressShown) out.print(progressText())
        out.flush()
    }

    /** as-completed: prints the [line] of the next URL to finish, with the progress so far. */
    @Synchronized
    public fun completed(line: String) {
        completed++
        if (interactive) {
            progressShown = true
            print(line)
        } else {
            print("[$completed/${config.urls.size}]$line")
        }
    }

    /** Prints the URLs still running when the wait ended, which are being cancelled. */
    @Synchronized
    public fun pending(urls: List<String>) {
        clearProgress()
        if (urls.isEmpty()) return
        out.println("still running after ${text(config.timeout)}: ${urls.size} of ${config.urls.size}, cancelled:")
        urls.forEach { out.println(row("---", "still running, cancelled", it)) }
        cancelled += urls.size
    }

    /** Prints the last line: how long it took and how the URLs ended. */
    @Synchronized
    public fun summary() {
        clearProgress()
        out.println("done in ${elapsedMillis()} ms: $answered answered ($errorStatus with an error status), $failed failed, $cancelled cancelled")
        out.flush()
    }

    private fun row(code: String, detail: String, url: String) = "  %-4s %-28s %s".format(code, detail, url)

    private fun progressText() = "  ... $completed of ${config.urls.size} done"

    private fun clearProgress() {
        if (progressShown) out.print(Terminal.CLEAR_LINE)
        progressShown = false
    }

    private fun describe(failure: Throwable?): String {
        var cause = failure
        while ((cause is CompletionException || cause is ExecutionException) && cause.cause != null) cause = cause.cause
        val chain = generateSequence(cause) { it.cause }.take(10).toList()
        return when {
            cause == null -> "no answer"
            cause is CancellationException -> CANCELLED
            chain.any { it is TimeoutException || it.javaClass.simpleName.contains("Timeout") } -> "timed out after ${text(config.requestTimeout)}"
            chain.any { it is UnknownHostException || it is UnresolvedAddressException } -> "unknown host"
            chain.any { it is ConnectException } -> "connection refused"
            else -> "${cause.javaClass.simpleName}: ${cause.message}"
        }
    }

    private companion object {
        const val CANCELLED = "cancelled"

        fun text(duration: Duration) = duration.toKotlinDuration().toString()
    }
}
