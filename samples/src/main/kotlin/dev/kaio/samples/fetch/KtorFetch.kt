package dev.kaio.samples.fetch

import dev.kaio.DeadlineExceededException
import dev.kaio.ReturnWhen
import dev.kaio.asCompletedTasks
import dev.kaio.gatherSettled
import dev.kaio.spawn
import dev.kaio.sync.Semaphore
import dev.kaio.sync.withPermit
import dev.kaio.wait
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.HttpTimeout
import io.ktor.client.request.prepareGet
import io.ktor.client.statement.bodyAsChannel
import io.ktor.utils.io.discard
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.supervisorScope

/**
 * `fetch` in Kotlin: the Ktor client (CIO engine) with Kaio's `gatherSettled`, `asCompletedTasks`
 * and `wait`, and a [Semaphore] as the concurrency limit.
 *
 * Every request is bounded by the request timeout (Ktor's `HttpTimeout`: connect, socket and the
 * whole request), so a slow URL ends as `timed out`, never hangs. Cancelling a task cancels its
 * request.
 */
internal class KtorFetch(private val config: FetchConfig, private val report: FetchReport) {
    private val permits = Semaphore(config.limit)

    suspend fun run() {
        val requestTimeout = config.requestTimeout.toMillis()
        HttpClient(CIO) {
            expectSuccess = false // a 500 is an answer to report, not an exception
            install(HttpTimeout) {
                requestTimeoutMillis = requestTimeout
                connectTimeoutMillis = requestTimeout
                socketTimeoutMillis = requestTimeout
            }
        }.use { client ->
            report.header("Kotlin, Ktor client")
            when (config.mode) {
                FetchMode.GATHER -> gather(client)
                FetchMode.AS_COMPLETED -> asCompleted(client)
                FetchMode.WAIT -> waitWithTimeout(client)
            }
            report.summary()
        }
    }

    /** The body is counted as it streams in, never held: a huge one costs no memory. */
    private suspend fun fetch(client: HttpClient, url: String): FetchAnswer = permits.withPermit {
        client.prepareGet(url).execute { response ->
            val bytes = response.bodyAsChannel().discard()
            FetchAnswer(response.status.value, bytes, report.elapsedMillis())
        }
    }

    /** All at once; a failing URL does not cancel the others; lines in argument order. */
    private suspend fun gather(client: HttpClient) {
        val outcomes = gatherSettled(config.urls.map<String, suspend CoroutineScope.() -> FetchAnswer> { url -> { fetch(client, url) } })
        config.urls.zip(outcomes).forEach { (url, outcome) ->
            report.print(report.line(url, outcome.getOrNull(), outcome.exceptionOrNull()))
        }
    }

    /** Each URL's line as it finishes; at the timeout, the URLs still running are cancelled. */
    private suspend fun asCompleted(client: HttpClient) = supervisorScope {
        val tasks = config.urls.map { url -> spawn(url) { fetch(client, url) } }
        val reported = HashSet<Deferred<FetchAnswer>>()
        try {
            asCompletedTasks(tasks, config.timeout.toKotlinDuration()).collect { task ->
                reported += task
                report.completed(lineOf(tasks, task))
            }
        } catch (timedOut: DeadlineExceededException) {
            // Not "not completed": a task finishing after the deadline was not reported either.
            cancelPending(tasks, tasks.filter { it !in reported })
        }
    }

    /** Waits up to the timeout, then prints the finished URLs in argument order and cancels the rest. */
    private suspend fun waitWithTimeout(client: HttpClient) = supervisorScope {
        val tasks = config.urls.map { url -> spawn(url) { fetch(client, url) } }
        val (done, pending) = wait(tasks, ReturnWhen.ALL_COMPLETED, config.timeout.toKotlinDuration())
        report.print("finished: ${done.size} of ${tasks.size}")
        tasks.filter { it in done }.forEach { report.print(lineOf(tasks, it)) }
        cancelPending(tasks, tasks.filter { it in pending })
    }

    /** Reports [pending] as still running and cancels them (a no-op for any that finished meanwhile). */
    private fun cancelPending(tasks: List<Deferred<FetchAnswer>>, pending: List<Deferred<FetchAnswer>>) {
        report.pending(pending.map { config.urls[tasks.indexOf(it)] })
        pending.forEach { it.cancel() }
    }

    @OptIn(ExperimentalCoroutinesApi::class)
    private fun lineOf(tasks: List<Deferred<FetchAnswer>>, task: Deferred<FetchAnswer>): String {
        val failure = task.getCompletionExceptionOrNull()
        return report.line(config.urls[tasks.indexOf(task)], if (failure == null) task.getCompleted() else null, failure)
    }
}
