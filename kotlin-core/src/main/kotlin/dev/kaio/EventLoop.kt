package dev.kaio

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executor
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking
import org.slf4j.LoggerFactory

/**
 * asyncio's `asyncio.run`: runs a main task on one dedicated thread, the loop, and returns its
 * result.
 *
 * Every step of every task of the loop runs on that one thread (unless a task moves itself with
 * `withContext`), so code that only touches its state from loop tasks needs no locks. Java callers
 * get the same through the facade: futures it returns inside the loop complete on the loop thread.
 *
 * **Ending.** When `main` returns or throws, every task it left running (its children, and
 * ownerless tasks such as `shield`ed work and tasks started from Java) is cancelled and awaited,
 * then the thread is stopped: nothing is left behind. `run` then returns `main`'s value or
 * rethrows its exception.
 *
 * **Signals.** While `run` is active, SIGINT (Ctrl-C) and SIGTERM cancel `main`, so its `finally`
 * blocks run, and the JVM exits once the loop has finished (waiting at most [SHUTDOWN_GRACE]).
 *
 * **Interruption.** If the calling thread is interrupted while it waits, `main` is cancelled and
 * `run` throws `InterruptedException` once it has finished.
 *
 * **Debug mode** (`debug = true`, asyncio's debug mode): a step of a task that holds the loop
 * thread longer than [SLOW_STEP_THRESHOLD] (100 ms, asyncio's `slow_callback_duration`) is logged
 * as a warning through SLF4J, with the task's name and the duration.
 *
 * Calling `run` from inside a loop is allowed and starts a second, independent loop (asyncio
 * forbids it; on the JVM the caller's thread simply blocks) — but blocking a loop thread stalls
 * every task of the outer loop, so avoid it.
 */
public object EventLoop {
    /** How long a shutdown signal waits for `main` to finish its `finally` blocks. */
    public val SHUTDOWN_GRACE: Duration = 30.seconds

    /** In debug mode, steps longer than this are logged. */
    public val SLOW_STEP_THRESHOLD: Duration = 100.milliseconds

    private val loopNumbers = AtomicInteger()
    private val log = LoggerFactory.getLogger(EventLoop::class.java)

    /**
     * Runs [main] on a new loop thread and returns its value; see [EventLoop].
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting.
     */
    @JvmStatic
    @JvmOverloads
    public fun <T> run(debug: Boolean = false, main: suspend CoroutineScope.() -> T): T {
        val name = "kaio-loop-${loopNumbers.incrementAndGet()}"
        val thread = Executors.newSingleThreadExecutor { runnable ->
            Thread(runnable, name).apply { isDaemon = true }
        }
        val executor: Executor = if (debug) SlowStepReporter(thread, log) else thread
        val dispatcher = executor.asCoroutineDispatcher()
        val finished = CountDownLatch(1)
        var mainJob: Job? = null
        val onSignal = Thread({
            mainJob?.cancel(CancellationException("The JVM is shutting down (SIGINT or SIGTERM)"))
            finished.await(SHUTDOWN_GRACE.inWholeMilliseconds, TimeUnit.MILLISECONDS)
        }, "$name-shutdown")
        val hooked = runCatching { Runtime.getRuntime().addShutdownHook(onSignal) }.isSuccess
        try {
            val debugContext = if (debug) StepNames() else EmptyCoroutineContext
            return runBlocking(dispatcher + CoroutineName("main") + debugContext) {
                mainJob = coroutineContext.job
                runLoop(main)
            }
        } finally {
            finished.countDown()
            if (hooked) runCatching { Runtime.getRuntime().removeShutdownHook(onSignal) }
            shutDown(thread)
        }
    }

    private fun shutDown(thread: ExecutorService) {
        thread.shutdown()
        if (!thread.awaitTermination(SHUTDOWN_GRACE.inWholeMilliseconds, TimeUnit.MILLISECONDS)) thread.shutdownNow()
    }
}

/** Records, on the loop thread, the name of the task whose step is running (debug mode only). */
private class StepNames : AbstractCoroutineContextElement(Key), ThreadContextElement<String?> {
    companion object Key : CoroutineContext.Key<StepNames> {
        val current = ThreadLocal<String?>()
        val lastRun = ThreadLocal<String?>()
    }

    override fun updateThreadContext(context: CoroutineContext): String? {
        val previous = current.get()
        val name = context[CoroutineName]?.name ?: "unnamed"
        current.set(name)
        lastRun.set(name)
        return previous
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: String?) {
        current.set(oldState)
    }
}

/** Times every step that the loop thread runs and logs the slow ones, as asyncio's debug mode does. */
private class SlowStepReporter(
    private val delegate: Executor,
    private val log: org.slf4j.Logger,
) : Executor {
    private val thresholdNanos = EventLoop.SLOW_STEP_THRESHOLD.inWholeNanoseconds

    override fun execute(command: Runnable) {
        delegate.execute {
            StepNames.lastRun.set(null)
            val start = System.nanoTime()
            try {
                command.run()
            } finally {
                val took = System.nanoTime() - start
                if (took > thresholdNanos) {
                    log.warn("Executing task '{}' took {}", StepNames.lastRun.get() ?: "unknown", took.nanoseconds)
                }
            }
        }
    }
}
