package dev.kaio.interop

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers

/*
 * Overview: how a facade call of dev.kaio.resilience starts and ends without the costs that a task
 * has on its way (ResilienceInterop.kt uses both).
 *  - startJavaCall: a task that outside a loop starts on the calling thread, not with a dispatch
 *    to Dispatchers.Default and back.
 *  - JavaCallFuture: the future of a call that runs no task at all while nothing needs to suspend
 *    (the breaker's and the retry's fast paths), yet is cancelled from outside as a task would be.
 */

/**
 * `launchFuture`, except that outside a loop the task runs on the calling thread up to its first
 * suspension and on `Dispatchers.Default` after it. Measured reason: a dispatch to
 * `Dispatchers.Default` and back costs microseconds per call (DESIGN.md, "thread hand-offs are
 * expensive"), against tens of nanoseconds for the policy itself. Resumptions that happen on
 * another thread, or after this function returned, always go through `Dispatchers.Default`, so
 * no Kaio code ever continues on a thread that completed a Java stage or on the timer thread.
 */
internal inline fun <T> startJavaCall(
    context: CoroutineContext = EmptyCoroutineContext,
    crossinline block: suspend () -> T,
): CompletableFuture<T> {
    if (isInsideLoop()) return launchFuture(context) { block() }
    val dispatcher = StartHereThenDefault()
    try {
        return launchFuture(dispatcher + context) { block() }
    } finally {
        dispatcher.starter = null
    }
}

/** Runs in place on the thread that started the task while that thread is still starting it. */
internal class StartHereThenDefault : CoroutineDispatcher() {
    @Volatile
    var starter: Thread? = Thread.currentThread()

    override fun isDispatchNeeded(context: CoroutineContext): Boolean = starter !== Thread.currentThread()

    override fun dispatch(context: CoroutineContext, block: Runnable) = Dispatchers.Default.dispatch(context, block)

    override fun toString(): String = "Dispatchers.Default (started in place)"
}

/**
 * The future of a facade call on a fast path. Completing it from outside (`cancel` in practice)
 * abandons the call: [onAbandon] runs once, unless the call already [claim]ed its outcome, and
 * what the call waits for (a stage or the task of the rest of the call) is cancelled.
 */
internal class JavaCallFuture<T>(
    executor: Executor,
    @Volatile private var waitingFor: CompletionStage<*>?,
    private val onAbandon: (() -> Unit)?,
) : KaioFuture<T>(executor) {
    @Volatile
    private var claimed = 0

    /** True for the first caller only: the stage's completion or the abandonment. */
    fun claim(): Boolean = CLAIMED.compareAndSet(this, 0, 1)

    /** Completes the future from the call (not an abandonment). */
    fun settle(value: T?, failure: Throwable?) {
        @Suppress("UNCHECKED_CAST")
        when (failure) {
            null -> super.complete(value as T)
            is CancellationException -> super.cancel(false)
            else -> super.completeExceptionally(failure)
        }
    }

    /** Makes [next] what the call waits for; cancels it at once if the future was completed meanwhile. */
    fun waitFor(next: CompletionStage<*>) {
        waitingFor = next
        if (isDone) cancelQuietly(next)
    }

    override fun complete(value: T): Boolean = super.complete(value).also { if (it) abandoned() }
    override fun completeExceptionally(ex: Throwable): Boolean = super.completeExceptionally(ex).also { if (it) abandoned() }
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean = super.cancel(mayInterruptIfRunning).also { if (it) abandoned() }

    private fun abandoned() {
        if (claim()) onAbandon?.invoke()
        waitingFor?.let(::cancelQuietly)
    }

    private companion object {
        val CLAIMED: AtomicIntegerFieldUpdater<JavaCallFuture<*>> =
            AtomicIntegerFieldUpdater.newUpdater(JavaCallFuture::class.java, "claimed")

        /** As `awaitOwned` does: a stage that cannot be cancelled is left alone. */
        fun cancelQuietly(stage: CompletionStage<*>) {
            runCatching { stage.toCompletableFuture().cancel(false) }
        }
    }
}
