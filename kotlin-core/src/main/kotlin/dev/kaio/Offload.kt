@file:JvmName("Offload")

package dev.kaio

import java.util.concurrent.Executor
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runInterruptible

/*
 * Overview: both functions are `runInterruptible` on another dispatcher. While the block runs, the
 * coroutine's cancellation interrupts the thread that runs it (and only while it runs: the
 * interrupt flag is cleared before the thread goes back to its pool). An `InterruptedException`
 * thrown by the block because of that cancellation surfaces as the coroutine's
 * `CancellationException`; one thrown for any other reason is the block's failure.
 */

/**
 * Runs blocking [block] on `Dispatchers.IO` and suspends until it returns, asyncio's `to_thread`.
 * The calling task's thread (an event loop's one thread) stays free meanwhile.
 *
 * **Cancellation.** Cancelling the caller interrupts the thread running [block]: blocking calls
 * that respond to interruption (`Thread.sleep`, `Object.wait`, `BlockingQueue.take`,
 * interruptible NIO channels, `Lock.lockInterruptibly`) end at once with `InterruptedException`,
 * and `toThread` then throws `CancellationException`. Code that ignores interruption (a classic
 * `InputStream.read`, a busy loop that never checks `Thread.interrupted()`) runs on to its end and
 * the caller waits for it: the result is dropped, nothing is left running behind the caller's back.
 *
 * **Failure.** An exception thrown by [block] is rethrown as is.
 *
 * **Context.** [block] sees the caller's [ContextVar] values (they are thread-context elements and
 * follow the task to the IO thread); values it sets stay on the caller's task, as after any step.
 *
 * Use [cpuBound] instead for computation: `Dispatchers.IO` is sized for waiting (64 threads or
 * more), not for keeping cores busy.
 */
public suspend fun <T> toThread(block: () -> T): T = runInterruptible(Dispatchers.IO, block)

/**
 * Runs blocking [block] on [executor] and suspends until it returns, asyncio's
 * `loop.run_in_executor(executor, fn)`.
 *
 * **Cancellation.** As for [toThread]: while [block] runs on one of the executor's threads,
 * cancelling the caller interrupts that thread. If the caller is cancelled before the executor
 * started [block], [block] never runs. An executor that rejects the task (`RejectedExecutionException`,
 * a shut-down pool) makes kotlinx.coroutines cancel the caller and run the remaining steps on
 * `Dispatchers.IO`; the block itself is not run.
 *
 * **Failure.** An exception thrown by [block] is rethrown as is.
 *
 * The executor stays the caller's: `runIn` never shuts it down.
 */
public suspend fun <T> runIn(executor: Executor, block: () -> T): T =
    runInterruptible(executor.asCoroutineDispatcher(), block)
