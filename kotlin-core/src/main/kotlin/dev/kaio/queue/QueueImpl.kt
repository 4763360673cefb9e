package dev.kaio.queue

import dev.kaio.sync.FutureWaiter
import dev.kaio.sync.WaitList
import dev.kaio.sync.Waiter
import dev.kaio.sync.park
import kotlinx.coroutines.CompletableDeferred

/*
 * Overview: a fifo queue's put and get without waiters are one compare-and-set on the queue's word
 * (QueueState.kt) and a move through a ring cell (RingBuffer.kt). Everything else goes through the
 * monitor: waiting, serving waiters, shutdown, the Java facade's undoing of late-cancelled calls,
 * an overflow beyond the ring, and all of the lifo and priority queues, whose buffers are not
 * lock-free. (With two threads on one busy queue, the monitor was contended on every item, and the
 * JVM's spinning on it took a fifth of the CPU time in the slow runs of the pipeline benchmark.)
 *
 * SLOW in the word closes the lock-free paths. Every monitor section (`locked`) sets it first, so
 * that no lock-free put or get takes effect while the monitor's code reads and changes the queue,
 * and clears it when it leaves only if nothing needs the monitor:
 *
 *   SLOW clear  ⇒  no waiting consumer or producer, no overflow, no spilled count, not shut down
 *
 * So a lock-free put cannot pass a waiting consumer, and a lock-free get cannot pass a waiting
 * producer: asyncio's FIFO fairness holds. Lifo and priority queues keep SLOW set.
 *
 *   put:  consumer waiting ─▶ hand the item to it      get:  item held ─▶ take it; if a producer waits,
 *         room ─▶ store it                                   move its item into the freed slot
 *         full ─▶ wait (the item rides on the waiter)        empty ─▶ wait (shut down ─▶ throw)
 *
 * Waiters are resumed after the monitor is released (see WaitList.kt for the cancellation race).
 * The unfinished-task count counts items from the moment they are accepted (stored or handed over);
 * a lock-free put counts its item in the same compare-and-set that stores it. `taskDone` counts down
 * without the monitor while the count stays above zero; the step to zero, which `join` watches,
 * takes the monitor, so `join`'s check and the completion of `finished` see one consistent zero.
 */

/** What [QueueImpl]'s offer returns when the queue had no room for the item. */
private val FULL = Any()

internal class QueueImpl<E : Any>(
    override val capacity: Int,
    private val kind: String,
    private val state: QueueState = QueueState(),
    makeBuffer: (QueueState) -> QueueBuffer<E>,
) : AsyncQueue<E> {
    private val buffer: QueueBuffer<E> = makeBuffer(state)
    private val ring: RingBuffer<E>? = buffer as? RingBuffer<E>
    private val getters = WaitList<E>()
    private val putters = WaitList<Unit>()
    private var finished: CompletableDeferred<Unit>? = null
    private var shutdown = false
    private var immediateShutdown = false

    init {
        if (ring != null) state.leaveSlow()
    }

    override val size: Int
        get() {
            val w = state.word.get()
            if (ring != null && !isSlow(w)) return ringSizeOf(w)
            return sizeLocked()
        }
    override val isEmpty: Boolean get() = size == 0
    override val isFull: Boolean get() = capacity != AsyncQueue.UNBOUNDED && size >= capacity
    override val isShutdown: Boolean get() = synchronized(this) { shutdown }
    override val unfinishedTasks: Long
        get() {
            val w = state.word.get()
            if (!isSlow(w)) return countOf(w)
            return countLocked()
        }

    private fun sizeLocked(): Int = synchronized(this) { buffer.size }

    private fun countLocked(): Long = synchronized(this) { state.countLocked() }

    /** True while a put or get can take effect without the monitor, for tests. */
    internal val lockFreeOpen: Boolean get() = ring != null && !isSlow(state.word.get())

    /** Parked consumers and producers, for tests that check no waiter is left behind. */
    internal val waiters: Int get() = synchronized(this) { getters.size + putters.size }

    /**
     * The monitor, with the lock-free paths closed while [block] runs; they open again afterwards
     * if nothing needs the monitor (see the overview). A [block] that throws leaves them closed,
     * which is safe: the next pass through the monitor opens them. ([block] has no early return:
     * Lincheck's instrumentation of such a return out of this monitor fails the JVM's verifier.)
     */
    private inline fun <T> locked(block: () -> T): T {
        return synchronized(this) {
            if (ring != null) state.enterSlow()
            val result = block()
            if (ring != null && !shutdown && getters.isEmpty && putters.isEmpty && ring.overflowIsEmpty && state.spilled == 0L) {
                state.leaveSlow()
            }
            result
        }
    }

    private fun shutdownError(op: String) = QueueShutdownException("AsyncQueue.$op: the $kind queue is shut down")

    override suspend fun put(item: E) {
        if (ring?.tryAddFast(item) == true) return
        var getter: Waiter<E>? = null
        var waiter: Waiter<Unit>? = null
        locked {
            if (shutdown) throw shutdownError("put()")
            val accepted = offerUnderLock(item)
            if (accepted === FULL) {
                waiter = Waiter<Unit>(item).also { putters.addLast(it) }
            } else {
                @Suppress("UNCHECKED_CAST")
                getter = accepted as Waiter<E>?
            }
        }
        val w = waiter
        // Granted the slot and cancelled before resuming: take the item back out if it is still
        // stored (nothing was inserted); if a consumer already took it, the put happened.
        if (w != null) park(this, putters, w) { withdraw(item) } else getter?.wake()
    }

    override fun tryPut(item: E): Boolean = offerOrLink(item, null, "tryPut()")

    /**
     * Java facade: puts [item] if the lock-free path can (true), so that the facade makes no waiter
     * for a put that needs none; false sends it to [putOrLink].
     */
    internal fun tryPutLockFree(item: E): Boolean = ring?.tryAddFast(item) == true

    /** Java facade: takes the next item if the lock-free path can; null sends the get to [getOrLink]. */
    internal fun tryGetLockFree(): E? = ring?.tryTakeFast()

    /**
     * Java facade: puts [item] if there is room (true), else links [waiter] (carrying [item]) as a
     * waiting producer (false); see [FutureWaiter].
     *
     * @throws QueueShutdownException if the queue is shut down.
     */
    internal fun putOrLink(item: E, waiter: FutureWaiter<Unit, *>): Boolean {
        if (offerOrLink(item, waiter, "put()")) return true
        waiter.withdrawOnCancel(this, putters)
        return false
    }

    /** Puts [item] if there is room (true); else links [waiter], if any, as a waiting producer. */
    private fun offerOrLink(item: E, waiter: Waiter<Unit>?, op: String): Boolean {
        if (ring?.tryAddFast(item) == true) return true
        val getter = locked {
            if (shutdown) throw shutdownError(op)
            offerUnderLock(item).also { if (it === FULL && waiter != null) putters.addLast(waiter) }
        }
        if (getter === FULL) return false
        @Suppress("UNCHECKED_CAST")
        (getter as Waiter<E>?)?.wake()
        return true
    }

    /**
     * Under the monitor: hands [item] to the first waiting consumer (returned, to be woken outside
     * the monitor) or buffers it (null); [FULL] when there is no room and it was not taken.
     */
    private fun offerUnderLock(item: E): Any? {
        val getter = getters.handFirst(item)
        when {
            getter != null -> state.addCountLocked(1)
            buffer.size < capacity -> {
                buffer.add(item)
                state.addCountLocked(1)
            }
            else -> return FULL
        }
        return getter
    }

    /** Under the monitor: refills the slot that a get freed from the first waiting producer. */
    private fun takeUnderLock(): Waiter<Unit>? {
        val p = putters.handFirst(Unit) ?: return null
        @Suppress("UNCHECKED_CAST")
        buffer.add(p.tag as E)
        state.addCountLocked(1)
        return p
    }

    override suspend fun get(): E {
        val taken = ring?.tryTakeFast()
        if (taken != null) return taken
        var item: E? = null
        var putter: Waiter<Unit>? = null
        var waiter: Waiter<E>? = null
        locked {
            if (buffer.size > 0) {
                item = buffer.remove()
                putter = takeUnderLock()
            } else {
                if (shutdown) throw shutdownError("get()")
                val w = Waiter<E>(null)
                getters.addLast(w)
                waiter = w
            }
        }
        val w = waiter
        // Handed an item and cancelled before resuming: it goes back to the head (or the next getter).
        if (w != null) return park(this, getters, w) { giveBack(it); true }
        putter?.wake()
        return item!!
    }

    override fun tryGet(): E? = takeOrLink(null, "tryGet()")

    /**
     * Java facade: takes the next item if there is one, else links [waiter] as a waiting consumer
     * and returns null; see [FutureWaiter].
     *
     * @throws QueueShutdownException if the queue is shut down and empty.
     */
    internal fun getOrLink(waiter: FutureWaiter<E, *>): E? =
        takeOrLink(waiter, "get()") ?: null.also { waiter.withdrawOnCancel(this, getters) }

    /** Takes the next item if there is one; else links [waiter], if any, as a waiting consumer. */
    private fun takeOrLink(waiter: Waiter<E>?, op: String): E? {
        ring?.tryTakeFast()?.let { return it }
        var item: E? = null
        var putter: Waiter<Unit>? = null
        locked {
            if (buffer.size > 0) {
                item = buffer.remove()
                putter = takeUnderLock()
            } else {
                if (shutdown) throw shutdownError(op)
                if (waiter != null) getters.addLast(waiter)
            }
        }
        putter?.wake()
        return item
    }

    /** Takes back an item whose put was cancelled after it was accepted, if still held. */
    internal fun withdraw(item: E): Boolean {
        var putter: Waiter<Unit>? = null
        var done: CompletableDeferred<Unit>? = null
        val removed = locked {
            buffer.removeSame(item).also {
                if (it) {
                    done = countDownLocked(1)
                    putter = takeUnderLock()
                }
            }
        }
        putter?.wake()
        done?.complete(Unit)
        return removed
    }

    /**
     * Gives back an item whose get was cancelled after it was taken; it becomes the next
     * item out (or goes to the first waiting consumer). Dropped if the queue was shut down immediately.
     */
    internal fun giveBack(item: E) {
        var getter: Waiter<E>? = null
        var done: CompletableDeferred<Unit>? = null
        locked {
            val g = getters.handFirst(item)
            when {
                g != null -> getter = g
                shutdown && immediateShutdown -> done = countDownLocked(1)
                else -> buffer.addFront(item)
            }
        }
        getter?.wake()
        done?.complete(Unit)
    }

    override fun taskDone() {
        // Without the monitor while other items stay unfinished; the last one takes it (see the overview).
        if (state.tryCountDownLockFree()) return
        val done = synchronized(this) {
            check(state.countLocked() > 0L) {
                "AsyncQueue.taskDone() called more times than items were put: unfinished tasks = ${state.countLocked()}"
            }
            countDownLocked(1)
        }
        done?.complete(Unit)
    }

    /**
     * Under the monitor: lowers the count by [by], not below zero (other taskDone calls may count
     * down meanwhile, never to zero); returns the `finished` signal to complete if it reached zero.
     */
    private fun countDownLocked(by: Long): CompletableDeferred<Unit>? =
        if (state.addCountLocked(-by) == 0L) finished.also { finished = null } else null

    override suspend fun join() {
        val done = synchronized(this) {
            if (state.countLocked() == 0L) return
            finished ?: CompletableDeferred<Unit>().also { finished = it }
        }
        done.await()
    }

    override fun shutdown(immediate: Boolean) {
        val failed = ArrayList<Waiter<*>>()
        var done: CompletableDeferred<Unit>? = null
        locked {
            shutdown = true
            if (immediate) {
                immediateShutdown = true
                done = countDownLocked(buffer.clear().toLong())
            }
            for (w in getters.drain()) if (w.fail(shutdownError("get()"))) failed.add(w)
            for (w in putters.drain()) if (w.fail(shutdownError("put()"))) failed.add(w)
        }
        failed.forEach { it.wake() }
        done?.complete(Unit)
    }

    override fun toString(): String = synchronized(this) {
        "AsyncQueue.$kind[size=${buffer.size}, capacity=${if (capacity == AsyncQueue.UNBOUNDED) "unbounded" else capacity}, " +
            "unfinished=${state.countLocked()}, getters=${getters.size}, putters=${putters.size}${if (shutdown) ", shut down" else ""}]"
    }

    internal companion object {
        /**
         * A fifo queue on a [RingBuffer] of at most [ringLength] cells; tests pass a small ring (to
         * reach the overflow) and a small [spillAt] (to reach the spilled count).
         */
        fun <E : Any> fifo(capacity: Int, ringLength: Int = MAX_RING_LENGTH, spillAt: Long = DEFAULT_SPILL_AT): QueueImpl<E> =
            QueueImpl(capacity, "fifo", QueueState(spillAt)) { RingBuffer(capacity, it, ringLength) }
    }
}
