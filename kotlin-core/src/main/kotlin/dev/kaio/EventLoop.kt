package dev.kaio

import dev.kaio.debug.SlowStepDetector
import dev.kaio.debug.TaskDump
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
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
 * as a warning through SLF4J, with the task's name, the duration and the stack of the loop thread
 * sampled while the step was still blocking it (see [dev.kaio.debug.SlowStepDetector], which can
 * wrap any dispatcher; here it wraps the loop's). The task dump ([dev.kaio.debug.TaskDump]) is
 * installed for the life of the loop, so `TaskDump.capture()` lists every task created in it; this
 * attaches kotlinx-coroutines-debug's ByteBuddy agent (on JDK 21+, start the JVM with
 * `-XX:+EnableDynamicAgentLoading` to avoid the JVM's warning) and records every task's steps, so
 * debug mode is slower. In debug mode the main task is also named `main` (tasks it spawns without
 * a name inherit it); outside debug mode tasks carry only the names given to them.
 *
 * **Failures nobody retrieved** (asyncio's "Task exception was never retrieved"), in any mode: a
 * task started with [spawn] on a supervisor, or from Java with `Tasks.spawn`, that failed, and
 * whose `Deferred` or future nobody read, is logged as a warning when the loop ends (the rule is in
 * `dev.kaio.debug.UnretrievedFailures`).
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

    /**
     * Runs [main] on a new loop thread and returns its value; see [EventLoop].
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting.
     */
    @JvmStatic
    @JvmOverloads
    public fun <T> run(debug: Boolean = false, main: suspend CoroutineScope.() -> T): T {
        val name = "kaio-loop-${loopNumbers.incrementAndGet()}"
        val outcome = CompletableFuture<T>()
        val mainJob = CompletableFuture<Job>()
        // The loop is runBlocking's own event loop, the cheapest single-thread dispatcher
        // kotlinx has, running on a thread of its own.
        val callerValues = ContextValues.forNewTask() // main starts from the caller's context variables, as in asyncio.run
        val loop = Thread({
            // Every element of the loop's context is inherited by every task and folded over on
            // each task start, so the main task carries its name only in debug mode.
            val context = callerValues + (if (debug) CoroutineName("main") else EmptyCoroutineContext)
            try {
                outcome.complete(runBlocking(context) {
                    mainJob.complete(coroutineContext.job)
                    if (!debug) return@runBlocking runLoop(ownsThread = true, main)
                    // debug mode: every step on the loop's own dispatcher is watched
                    val loopDispatcher = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
                    // a JVM that refuses agents still gets the rest of debug mode
                    val dump = runCatching { TaskDump.install() }
                        .onFailure { LoggerFactory.getLogger(EventLoop::class.java).warn("Debug mode runs without a task dump", it) }
                    try {
                        withContext(SlowStepDetector(SLOW_STEP_THRESHOLD).wrap(loopDispatcher)) { runLoop(ownsThread = true, main) }
                    } finally {
                        if (dump.isSuccess) TaskDump.uninstall()
                    }
                })
            } catch (failure: Throwable) {
                outcome.completeExceptionally(failure)
            }
        }, name)
        loop.isDaemon = true
        val onSignal = Thread({
            mainJob.getNow(null)?.cancel(CancellationException("The JVM is shutting down (SIGINT or SIGTERM)"))
            loop.join(SHUTDOWN_GRACE.inWholeMilliseconds)
        }, "$name-shutdown")
        val hooked = runCatching { Runtime.getRuntime().addShutdownHook(onSignal) }.isSuccess
        try {
            loop.start()
            try {
                loop.join()
            } catch (interrupted: InterruptedException) {
                mainJob.thenAccept { it.cancel(CancellationException("The thread waiting in EventLoop.run was interrupted")) }
                loop.join()
                throw interrupted
            }
            return try {
                outcome.getNow(null)
            } catch (failure: CompletionException) {
                throw failure.cause!!
            }
        } finally {
            if (hooked) runCatching { Runtime.getRuntime().removeShutdownHook(onSignal) }
        }
    }
}
