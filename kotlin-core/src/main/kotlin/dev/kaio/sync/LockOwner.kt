package dev.kaio.sync

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext

/*
 * Overview: who "the caller" is for the no-argument members of Lock and Condition.
 *
 * A lock taken by `withLock` belongs to the Job of the coroutine that took it. Code of that task
 * often runs under a Job of its own: `timeout`, `coroutineScope` and `withContext` run their block
 * under a child Job, and `shield` under a Job that is not even a child (so that cancelling the
 * caller does not cancel it). The task still holds the lock there, as it does in asyncio, where a
 * lock has no owner at all. So the caller is the nearest Job, going up from the current one
 * through the parents of scope Jobs (not of launched children, which are tasks of their own) and
 * across `shield` (which leaves a [ShieldedFrom] in its block's context),
 * that holds the lock; if none does, the current Job (which then does not hold it, and the member
 * throws its misuse error naming it).
 */

/**
 * In the context of a `shield` block: the Job of the coroutine that called `shield`, and the
 * [ShieldedFrom] of that caller if it ran in a shield itself.
 */
internal class ShieldedFrom(val caller: Job?, val outer: ShieldedFrom?) : AbstractCoroutineContextElement(ShieldedFrom) {
    companion object Key : CoroutineContext.Key<ShieldedFrom>
}

/** The owner that stands for the calling task at [lock]; see the overview. */
internal suspend fun callerOwnerOf(lock: Lock): Job {
    val current = callerJob()
    var start: Job? = current
    var shielded = currentCoroutineContext()[ShieldedFrom]
    while (true) {
        var job: Job? = start
        while (job != null) {
            if (lock.holdsLock(job)) return job
            // Up only from a scope of the same task; a launched child is a task of its own.
            job = if (isScopeOfItsParent(job)) job.parent else null
        }
        val across = shielded ?: return current
        start = across.caller
        shielded = across.outer
    }
}

/**
 * True for the Job of `coroutineScope`, `withContext`, `withTimeout`, `supervisorScope` (and so
 * Kaio's `timeout`): kotlinx's ScopeCoroutine, whose block runs as part of its parent's task. Its
 * class is internal to kotlinx, so it is recognised by name.
 */
private fun isScopeOfItsParent(job: Job): Boolean = SCOPE_COROUTINE.get(job.javaClass)

private val SCOPE_COROUTINE = object : ClassValue<Boolean>() {
    override fun computeValue(type: Class<*>): Boolean {
        var c: Class<*>? = type
        while (c != null) {
            if (c.name == "kotlinx.coroutines.internal.ScopeCoroutine") return true
            c = c.superclass
        }
        return false
    }
}
