package dev.kaio.sync

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/**
 * A condition variable over a [Lock], asyncio's `Condition`: tasks holding the lock wait for a
 * notification, releasing the lock while they wait.
 *
 * **Ownership.** Every member requires the caller to hold [lock]: in Kotlin the no-argument
 * members find the holder as [Lock.release] does (the task that took the lock, also inside its
 * `timeout`, `coroutineScope`, `withContext` or `shield` blocks), or take an explicit `owner` as
 * for [Lock].
 *
 * **Fairness.** Waiters are notified first-in, first-out; a notified waiter then queues for the
 * lock behind whoever already waits for it. Waiters notified together (`notify(n)`, [notifyAll])
 * resume on the dispatcher's threads and queue for the lock in no set order among themselves.
 *
 * **Cancellation.** A caller cancelled in [wait] stops waiting, **takes the lock back** (waiting
 * for it without being cancellable) and only then throws `CancellationException`, so the caller's
 * `withLock` or `finally` still releases a lock it holds (a `timeout` around [wait] fires only
 * once the lock is held again). If the caller had already been notified but had not resumed yet,
 * [wait] throws too (prompt cancellation) and passes the notification on to the next waiter, as
 * asyncio does: a notification is never lost to a cancelled waiter.
 *
 * **Misuse.** Calling [wait], [notify] or [notifyAll] without holding [lock] throws
 * [IllegalStateException]; `notify(n)` with `n < 0` throws [IllegalArgumentException].
 */
public interface Condition {
    /** The lock this condition is bound to. */
    public val lock: Lock

    /** Releases [lock], waits for a notification, takes [lock] back (FIFO), and returns. */
    public suspend fun wait(): Unit = wait(callerOwnerOf(lock))

    /** [wait] for the lock holder [owner]. */
    public suspend fun wait(owner: Any)

    /**
     * Waits until [predicate] (checked holding the lock) is true; returns at once if it already is,
     * even without the lock (as asyncio's `wait_for`). A false predicate without the lock throws
     * [IllegalStateException], as [wait] does.
     */
    public suspend fun waitFor(predicate: () -> Boolean) {
        if (predicate()) return
        val owner = callerOwnerOf(lock)
        do wait(owner) while (!predicate())
    }

    /** Wakes up to [n] waiters, first to last. */
    public suspend fun notify(n: Int = 1): Unit = notify(callerOwnerOf(lock), n)

    /** [notify] for the lock holder [owner]. */
    public fun notify(owner: Any, n: Int)

    /** Wakes every waiter. */
    public suspend fun notifyAll(): Unit = notify(callerOwnerOf(lock), Int.MAX_VALUE)
}

/** Creates a [Condition] over [lock] (a new one by default). */
public fun Condition(lock: Lock = Lock()): Condition = ConditionImpl(lock)

/*
 * Overview: waiters are parked in a WaitList under this condition's monitor; notify hands them
 * Unit. A waiter is linked *before* it releases the lock, so a notify made by the next holder can
 * never miss it.
 */
internal class ConditionImpl(override val lock: Lock) : Condition {
    private val waiters = WaitList<Unit>()

    override suspend fun wait(owner: Any) {
        check(lock.holdsLock(owner)) { "Condition.wait(): the caller $owner does not hold the lock" }
        val waiter = Waiter<Unit>(owner)
        synchronized(this) { waiters.addLast(waiter) }
        lock.release(owner)
        var failure: Throwable? = null
        try {
            park(this, waiters, waiter) { passOn(); true }
        } catch (e: CancellationException) {
            failure = e
        }
        withContext(NonCancellable) { lock.acquire(owner) }
        if (failure != null) throw failure
    }

    override fun notify(owner: Any, n: Int) {
        require(n >= 0) { "n < 0: $n" }
        check(lock.holdsLock(owner)) { "Condition.notify(): the caller $owner does not hold the lock" }
        wake(n)
    }

    /** A notification taken by a waiter cancelled before it resumed goes to the next waiter. */
    private fun passOn() = wake(1)

    private fun wake(n: Int) {
        val woken = ArrayList<Waiter<Unit>>()
        synchronized(this) {
            var left = n
            while (left > 0) {
                val w = waiters.handFirst(Unit) ?: break
                woken.add(w)
                left--
            }
        }
        woken.forEach { it.wake() }
    }

    override fun toString(): String = "Condition[${synchronized(this) { waiters.size }} waiting, $lock]"
}
