package dev.kaio.sync

import dev.kaio.cancellationTurnedIntoValue
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executor
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * Overview: how every Kaio primitive parks a coroutine without losing anything.
 *
 * Each primitive keeps its state behind its own monitor (`synchronized(primitive)`) and a FIFO
 * [WaitList] of [Waiter]s. A waiter moves through these states, always under that monitor:
 *
 *     WAITING ──hand(value)──▶ HANDED    the waiter now owns the value (item, permit, lock)
 *        │    ──fail(error)──▶ FAILED    shutdown, broken barrier
 *        └────cancelled──────▶ WITHDRAWN the waiter left the list and took nothing
 *
 * The hand-off is decided under the monitor with `tryResume` (a waiter whose cancellation won that
 * race is skipped), and the continuation is dispatched after the monitor is left. The classic race
 * is a waiter that is handed a value and cancelled before its dispatched resumption runs: kotlinx
 * then makes `suspendCancellableCoroutine` throw `CancellationException` (prompt cancellation).
 * [park] catches it and, when the waiter is HANDED, calls the primitive's `giveBack` with the value
 * (the lock or the permits are released to the next waiter, an item goes back to the head of the
 * queue, a notification passes to the next waiter) and rethrows: asyncio's rule and kotlinx's
 * prompt-cancellation guarantee, so a cancelled wait never returns and the task's code never holds
 * a value that its cancellation then drops. Only when `giveBack` cannot undo the hand-off (a put
 * whose item a consumer has already taken) does [park] return the value instead.
 *
 * The waiter is linked before its continuation exists (the primitive decides to wait under the
 * monitor, then suspends); [park] stores the continuation under the monitor, or resumes at once if
 * the waiter was served in between.
 */

internal const val WAITING = 0
internal const val HANDED = 1
internal const val FAILED = 2
internal const val WITHDRAWN = 3

/**
 * One parked caller; [tag] is what it brings (an item to put, an owner, a permit count).
 *
 * [hand] and [fail] decide, under the monitor, with kotlinx's `tryResume`: the continuation's own
 * atomic state picks the winner between the hand-off and a cancellation of the waiting caller, so a
 * waiter whose cancellation won is skipped (and the value goes to the next one), and a waiter that
 * was handed the value can no longer be cancelled "before" it. [wake] then dispatches the resumption
 * outside the monitor.
 */
@OptIn(InternalCoroutinesApi::class)
internal open class Waiter<T>(@JvmField val tag: Any?) {
    @JvmField var prev: Waiter<T>? = null
    @JvmField var next: Waiter<T>? = null
    @JvmField var linked: Boolean = false
    @JvmField var state: Int = WAITING
    @JvmField var result: Any? = null
    @JvmField var cont: CancellableContinuation<T>? = null
    private var token: Any? = null

    /**
     * Under the monitor: gives [value] to this (unlinked) waiter. Returns false if its caller was
     * cancelled first; the waiter is then withdrawn and took nothing.
     */
    fun hand(value: T): Boolean {
        val c = cont
        if (c != null) {
            token = c.tryResume(value) ?: return withdrawn()
        }
        state = HANDED
        result = value
        return true
    }

    /** Under the monitor: fails this (unlinked) waiter; false if its caller was cancelled first. */
    fun fail(error: Throwable): Boolean {
        val c = cont
        if (c != null) {
            token = c.tryResumeWithException(error) ?: return withdrawn()
        }
        state = FAILED
        result = error
        return true
    }

    private fun withdrawn(): Boolean {
        state = WITHDRAWN
        cont = null
        return false
    }

    /** Outside the monitor: dispatches the resumption decided by [hand] or [fail], if the caller was parked. */
    open fun wake() {
        val c = cont ?: return
        val t = token ?: return
        cont = null
        token = null
        c.completeResume(t)
    }
}

/**
 * A waiter of the Java facade: no coroutine is parked; [future] stands for the caller. Handed or
 * failed under the monitor like any waiter, it completes [future] on [executor] (the caller's
 * loop, or Kaio's dispatcher), with [value] of what it was handed. If [future] was completed from
 * outside (cancelled) between the hand-off and that completion, nobody will use the value, so
 * [undo] gives it back; cancelling [future] while the waiter still waits withdraws it (see
 * [withdrawOnCancel]). One dispatch per wait, instead of a task per wait.
 */
internal class FutureWaiter<T, R>(
    tag: Any?,
    private val future: CompletableFuture<R>,
    private val executor: Executor,
    private val value: (T) -> R,
    private val undo: (T) -> Unit,
) : Waiter<T>(tag), Runnable {
    override fun wake() = executor.execute(this)

    @Suppress("UNCHECKED_CAST")
    override fun run() {
        when (state) {
            HANDED -> if (!future.complete(value(result as T))) undo(result as T)
            FAILED -> future.completeExceptionally(result as Throwable)
        }
    }

    /**
     * Outside the monitor, once linked into [list]: a cancellation (any outside completion) of
     * [future] while this waiter still waits unlinks it, so it takes nothing.
     */
    fun withdrawOnCancel(monitor: Any, list: WaitList<T>) {
        future.whenComplete { _, _ ->
            // Only the state WAITING can be stale here (it changes once, under the monitor).
            if (state == WAITING) {
                synchronized(monitor) {
                    if (state == WAITING) {
                        state = WITHDRAWN
                        list.remove(this)
                    }
                }
            }
        }
    }
}

/** An intrusive FIFO of waiters with O(1) removal; guarded by its primitive's monitor. */
internal class WaitList<T> {
    private var head: Waiter<T>? = null
    private var tail: Waiter<T>? = null

    var size: Int = 0
        private set

    val isEmpty: Boolean get() = size == 0

    fun first(): Waiter<T>? = head

    fun addLast(w: Waiter<T>) {
        w.linked = true
        w.prev = tail
        w.next = null
        if (tail == null) head = w else tail!!.next = w
        tail = w
        size++
    }

    fun removeFirst(): Waiter<T>? {
        val w = head ?: return null
        remove(w)
        return w
    }

    fun remove(w: Waiter<T>): Boolean {
        if (!w.linked) return false
        val p = w.prev
        val n = w.next
        if (p == null) head = n else p.next = n
        if (n == null) tail = p else n.prev = p
        w.prev = null
        w.next = null
        w.linked = false
        size--
        return true
    }

    /** Under the monitor: removes waiters until one accepts [value] (see [Waiter.hand]); null if none. */
    fun handFirst(value: T): Waiter<T>? {
        while (true) {
            val w = removeFirst() ?: return null
            if (w.hand(value)) return w
        }
    }

    /** Removes and returns every waiter, first to last. */
    fun drain(): List<Waiter<T>> {
        val all = ArrayList<Waiter<T>>(size)
        while (true) all.add(removeFirst() ?: break)
        return all
    }
}

/**
 * Suspends the caller on [waiter], which the caller linked into [list] under [monitor], until it
 * is handed a value or failed. Cancellation while WAITING withdraws the waiter (then, still under
 * the monitor, [onWithdrawn] may serve the waiters that the withdrawn one was holding back, e.g. a
 * large semaphore request at the head) and throws. Cancellation after a hand-off, before the caller
 * resumed, calls [giveBack] with the handed value (outside the monitor) and throws; [giveBack]
 * returns false only if the hand-off can no longer be undone, and [park] then returns the value.
 */
@Suppress("UNCHECKED_CAST")
internal suspend fun <T> park(
    monitor: Any,
    list: WaitList<T>,
    waiter: Waiter<T>,
    onWithdrawn: (() -> List<Waiter<*>>)? = null,
    giveBack: (T) -> Boolean,
): T {
    try {
        return suspendCancellableCoroutine { cont ->
            cont.invokeOnCancellation {
                val toWake = synchronized(monitor) {
                    if (waiter.state == WAITING) {
                        waiter.state = WITHDRAWN
                        waiter.cont = null
                        list.remove(waiter)
                        onWithdrawn?.invoke()
                    } else {
                        null
                    }
                }
                toWake?.forEach { it.wake() }
            }
            val state = synchronized(monitor) {
                if (waiter.state == WAITING) waiter.cont = cont
                waiter.state
            }
            when (state) {
                HANDED -> cont.resume(waiter.result as T)
                FAILED -> cont.resumeWithException(waiter.result as Throwable)
            }
        }
    } catch (e: CancellationException) {
        var handed = false
        val toWake = synchronized(monitor) {
            when (waiter.state) {
                HANDED -> {
                    handed = true
                    null
                }
                WAITING -> {
                    waiter.state = WITHDRAWN
                    waiter.cont = null
                    list.remove(waiter)
                    onWithdrawn?.invoke()
                }
                else -> null
            }
        }
        toWake?.forEach { it.wake() }
        if (handed && !giveBack(waiter.result as T)) {
            // The value was used before the caller could give it back: the caller owns it, and meets
            // its cancellation at its next suspension point; a timeout around it must not count this one.
            cancellationTurnedIntoValue(currentCoroutineContext())
            return waiter.result as T
        }
        throw e
    }
}
