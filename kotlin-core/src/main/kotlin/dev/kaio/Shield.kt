@file:JvmName("Shield")

package dev.kaio

import dev.kaio.sync.ShieldedFrom
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.currentCoroutineContext

/**
 * Runs [block] so that cancelling the caller does not cancel it, asyncio's `shield`.
 *
 * **Cancellation.** When the caller is cancelled, `shield` throws `CancellationException` at once
 * and [block] keeps running to its end, owned by the current loop (inside `EventLoop.run`, which
 * cancels it when the loop ends) or by Kaio's background scope; its result or failure is then
 * dropped. To make the caller *wait* for the work instead, use `withContext(NonCancellable)`.
 *
 * **Failure.** A failure of [block] is rethrown to the caller, if it is still waiting.
 *
 * The block runs with the caller's context (dispatcher, name, clock, context variables) except its
 * `Job`.
 */
public suspend fun <T> shield(block: suspend CoroutineScope.() -> T): T {
    val context = currentCoroutineContext()
    // ShieldedFrom: a lock that the caller holds is still the caller's inside the block (LockOwner.kt).
    val blockContext = context.minusKey(Job) + ShieldedFrom(context[Job], context[ShieldedFrom])
    return ownerScope().async(blockContext, block = block).await()
}
