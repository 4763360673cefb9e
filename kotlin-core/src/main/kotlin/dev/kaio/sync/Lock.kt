package dev.kaio.sync

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext

/**
 * A fair mutual-exclusion lock for coroutines, asyncio's `Lock`.
 *
 * **Ownership.** A lock is released only by the task that holds it. In Kotlin the holder is the
 * [Job] of the coroutine that acquired it; the no-argument [release] (and [Condition]'s members)
 * find it from the calling coroutine's Job, its parents and the caller of an enclosing `shield`,
 * so that code of the holding task still holds the lock inside `timeout`, `coroutineScope`,
 * `withContext` and `shield` (not in the coroutines it launches, which are tasks of their own). Code that is not one
 * coroutine (the Java facade, or a lock handed from one task to another on purpose) names an
 * explicit `owner` object instead. The lock is **not reentrant**: acquiring it again with the owner that holds it
 * throws instead of deadlocking.
 *
 * **Fairness.** First-in, first-out: [release] hands the lock directly to the longest waiting
 * caller, and a free lock with waiters does not exist, so nobody can barge in ([tryAcquire]
 * succeeds only on a lock that nobody holds or waits for).
 *
 * **Cancellation.** A caller cancelled while waiting in [acquire] leaves the queue and throws
 * `CancellationException` without the lock. If the lock had already been handed to it but the
 * caller had not resumed yet, [acquire] still throws (kotlinx's prompt-cancellation guarantee) and
 * passes the lock on to the next waiter, so a cancelled acquire never holds the lock and a lock is
 * never lost on the way; the block of [withLock] then does not run. [withLock] releases the lock
 * when its block ends in any way, cancellation included.
 *
 * **Memory.** A release happens-before the acquire that takes the lock next.
 *
 * **Misuse.** [release] of an unlocked lock, or by an owner that does not hold it, throws
 * [IllegalStateException] naming the holder and the caller.
 *
 * Compared with kotlinx's `Mutex`: same fairness; Kaio checks the owner on every release, never
 * loses a hand-off to cancellation, and speaks asyncio's names.
 */
public interface Lock {
    /** True while some owner holds the lock. */
    public val isLocked: Boolean

    /** True if [owner] holds the lock. */
    public fun holdsLock(owner: Any): Boolean

    /**
     * Takes the lock for the calling coroutine's [Job], waiting (FIFO) while another owner holds it.
     *
     * @throws IllegalStateException if the calling coroutine already holds it (not reentrant).
     */
    public suspend fun acquire(): Unit = acquire(callerJob())

    /** Takes the lock for [owner]; see [acquire]. */
    public suspend fun acquire(owner: Any)

    /** Takes the lock for [owner] if nobody holds it or waits for it; never suspends. */
    public fun tryAcquire(owner: Any): Boolean

    /** Takes the lock for the calling coroutine if it is free; never suspends. */
    public suspend fun tryAcquire(): Boolean = tryAcquire(callerJob())

    /**
     * Releases the lock held by the calling coroutine and hands it to the first waiter. Never suspends
     * (it is `suspend` only to read the caller's [Job]).
     *
     * @throws IllegalStateException if the lock is not locked or is held by someone else.
     */
    public suspend fun release(): Unit = release(callerOwnerOf(this))

    /** Releases the lock held by [owner]; see [release]. */
    public fun release(owner: Any)
}

/** Creates a [Lock], unlocked. */
public fun Lock(): Lock = LockImpl()

/**
 * Runs [block] holding [this] lock, for the calling coroutine's [Job], and releases it afterwards
 * whether the block returns, fails or is cancelled.
 */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> Lock.withLock(block: () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    val owner = callerJob()
    acquire(owner)
    try {
        return block()
    } finally {
        release(owner)
    }
}

/** The owner token of the calling coroutine: its [Job]. */
@PublishedApi
internal suspend fun callerJob(): Job =
    currentCoroutineContext()[Job]
        ?: throw IllegalStateException("A Kaio lock needs a coroutine with a Job to identify its holder; pass an explicit owner")

/*
 * Overview: `owner` is the holder (null when unlocked). Release hands the lock straight to the first
 * waiter by setting `owner` to the waiter's owner, so "unlocked" always means "nobody waits".
 *
 *     unlocked (owner == null, no waiters) ──acquire──▶ locked(owner)
 *     locked(a) ──release(a), no waiters──▶ unlocked
 *     locked(a) ──release(a), first waiter b──▶ locked(b)   (b resumed outside the monitor)
 */
internal class LockImpl : Lock {
    private var owner: Any? = null
    private val waiters = WaitList<Unit>()

    override val isLocked: Boolean get() = synchronized(this) { owner != null }

    override fun holdsLock(owner: Any): Boolean = synchronized(this) { this.owner === owner }

    override suspend fun acquire(owner: Any) {
        val waiter: Waiter<Unit>
        synchronized(this) {
            val holder = this.owner
            if (holder == null) {
                this.owner = owner
                return
            }
            check(holder !== owner) { "Lock is not reentrant: $owner already holds it" }
            waiter = Waiter(owner)
            waiters.addLast(waiter)
        }
        // Handed the lock and cancelled before resuming: pass it on to the next waiter.
        park(this, waiters, waiter) { release(owner); true }
    }

    override fun tryAcquire(owner: Any): Boolean = synchronized(this) {
        if (this.owner != null) return false
        this.owner = owner
        true
    }

    override fun release(owner: Any) {
        val next = synchronized(this) {
            val holder = this.owner
            check(holder != null) { "Lock.release(): the lock is not locked (caller: $owner)" }
            check(holder === owner) { "Lock.release(): the lock is held by $holder, not by the caller $owner" }
            val w = waiters.handFirst(Unit)
            this.owner = w?.tag
            w
        }
        next?.wake()
    }

    override fun toString(): String = synchronized(this) {
        "Lock[${if (owner == null) "unlocked" else "locked by $owner, ${waiters.size} waiting"}]"
    }
}
