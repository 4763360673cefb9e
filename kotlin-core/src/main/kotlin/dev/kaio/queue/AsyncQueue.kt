package dev.kaio.queue

import dev.kaio.sync.FutureWaiter
import dev.kaio.sync.WaitList
import dev.kaio.sync.Waiter
import dev.kaio.sync.park
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * A queue for coroutines with task accounting, asyncio's `Queue`, `LifoQueue` and `PriorityQueue`.
 *
 * Create one with [fifo], [lifo] or [priority]; each is bounded by a positive [capacity] or
 * [UNBOUNDED]. Producers [put] (waiting while the queue is full), consumers [get] (waiting while it
 * is empty) and call [taskDone] when they have finished an item; [join] waits until every item put
 * has been marked done. [shutdown] ends the queue with asyncio 3.13's semantics.
 *
 * **Fairness.** Waiting producers and waiting consumers are each served first-in, first-out. An
 * item put while consumers wait goes straight to the first of them; a slot freed while producers
 * wait goes straight to the first of them; nobody can barge ahead of a waiter with [tryPut] or
 * [tryGet].
 *
 * **Cancellation (nothing lost).** A [get] cancelled while waiting removes no item; a [put] cancelled
 * while waiting inserts none; both throw `CancellationException`. If an item (or a slot) was
 * handed over at the very moment of the cancellation, the call returns normally instead — [get]
 * returns the item, [put] has inserted it — and the cancellation is seen at the caller's next
 * suspension point. So every item put is delivered exactly once.
 *
 * **Memory.** Actions before a [put] happen-before the [get] that returns the item; a [taskDone]
 * happens-before the return of a [join] that it releases.
 *
 * **Misuse.** `null` items cannot be expressed in Kotlin (the Java facade refuses them with a
 * `NullPointerException`); a capacity of 0 or less throws [IllegalArgumentException]; [taskDone]
 * called more often than items were put throws [IllegalStateException] with the counts; any put
 * after [shutdown] throws [QueueShutdownException].
 *
 * Compared with a kotlinx `Channel`: a queue adds `taskDone`/`join`, LIFO and priority order,
 * non-destructive [size], and shutdown with draining; a channel has no exactly-once guarantee for
 * a `send` or `receive` cancelled at the moment of hand-off.
 */
public interface AsyncQueue<E : Any> {
    /** The maximum number of items held, or [UNBOUNDED]. */
    public val capacity: Int

    /** Items held now (not counting items being handed to waiting consumers). */
    public val size: Int

    /** True when no item is held. */
    public val isEmpty: Boolean

    /** True when [size] has reached a bounded [capacity]; never true for an unbounded queue. */
    public val isFull: Boolean

    /** True after [shutdown]. */
    public val isShutdown: Boolean

    /** Items put and not yet marked done with [taskDone]. */
    public val unfinishedTasks: Long

    /**
     * Adds [item], waiting (FIFO) while the queue is full.
     *
     * @throws QueueShutdownException if the queue is or becomes shut down while waiting.
     */
    public suspend fun put(item: E)

    /**
     * Adds [item] if there is room; never suspends. Returns false when the queue is full.
     *
     * @throws QueueShutdownException if the queue is shut down.
     */
    public fun tryPut(item: E): Boolean

    /**
     * Removes and returns the next item (by the queue's order), waiting (FIFO) while it is empty.
     *
     * @throws QueueShutdownException if the queue is shut down and empty (now or while waiting).
     */
    public suspend fun get(): E

    /**
     * Removes and returns the next item if there is one; never suspends. Returns null when empty.
     *
     * @throws QueueShutdownException if the queue is shut down and empty.
     */
    public fun tryGet(): E?

    /**
     * Marks one item taken with [get] as finished; when every item put has been marked, [join]
     * returns.
     *
     * @throws IllegalStateException if called more often than items were put.
     */
    public fun taskDone()

    /** Waits until every item put so far has been marked with [taskDone]. */
    public suspend fun join()

    /**
     * Shuts the queue down: later puts throw [QueueShutdownException], and every waiting producer and
     * consumer is woken with it. Gracefully ([immediate] false), [get] still returns the items left,
     * then throws. Immediately, the items left are dropped, the unfinished-task count drops by their
     * number, and [join] returns if that reaches zero. Shutting down twice is allowed (an immediate
     * shutdown after a graceful one still drops the items).
     */
    public fun shutdown(immediate: Boolean = false)

    /** Factories and constants. */
    public companion object {
        /** The capacity of an unbounded queue. */
        public const val UNBOUNDED: Int = Int.MAX_VALUE

        /** A first-in, first-out queue, asyncio's `Queue`. */
        public fun <E : Any> fifo(capacity: Int = UNBOUNDED): AsyncQueue<E> =
            QueueImpl(checkCapacity(capacity), FifoBuffer(), "fifo")

        /** A last-in, first-out queue, asyncio's `LifoQueue`. */
        public fun <E : Any> lifo(capacity: Int = UNBOUNDED): AsyncQueue<E> =
            QueueImpl(checkCapacity(capacity), LifoBuffer(), "lifo")

        /**
         * A queue that returns its smallest item by [comparator] first, asyncio's `PriorityQueue`;
         * equal items come out in the order they were put.
         */
        public fun <E : Any> priority(capacity: Int = UNBOUNDED, comparator: Comparator<in E>): AsyncQueue<E> =
            QueueImpl(checkCapacity(capacity), PriorityBuffer(comparator), "priority")

        /** A priority queue in the items' natural order. */
        public fun <E : Comparable<E>> priority(capacity: Int = UNBOUNDED): AsyncQueue<E> =
            priority(capacity, naturalOrder())

        private fun checkCapacity(capacity: Int): Int {
            require(capacity > 0) { "capacity must be positive or UNBOUNDED: $capacity" }
            return capacity
        }
    }
}

/**
 * A cold [Flow] of the items of this queue for one consumer: each collection calls [AsyncQueue.get]
 * in a loop, emits the item, and marks it with [AsyncQueue.taskDone] once the collector's block has
 * finished with it (also when that block fails or is cancelled). The flow completes normally when
 * the queue is shut down and drained. Several collectors may run at once and share the items.
 */
public fun <E : Any> AsyncQueue<E>.consumeAsFlow(): Flow<E> = flow {
    while (true) {
        val item = try {
            get()
        } catch (e: QueueShutdownException) {
            return@flow
        }
        try {
            emit(item)
        } finally {
            taskDone()
        }
    }
}

/*
 * Overview: one monitor guards the buffer, the two FIFO wait lists and the task count's zero.
 * Invariants: consumers wait only while the buffer is empty; producers wait only while it is full.
 *
 *   put:  consumer waiting ─▶ hand the item to it      get:  item held ─▶ take it; if a producer waits,
 *         room ─▶ store it                                   move its item into the freed slot
 *         full ─▶ wait (the item rides on the waiter)        empty ─▶ wait (shut down ─▶ throw)
 *
 * Waiters are resumed after the monitor is released (see WaitList.kt for the cancellation race).
 * `unfinished` counts items from the moment they are accepted (stored or handed over). It is atomic
 * so that `taskDone` can count down without the monitor while the count stays above zero: with two
 * threads a busy queue's monitor is contended, and the JVM's spinning on it was 40 % of a pipeline's
 * CPU time (put, get and taskDone: three passes per item, now two). Every change of the count to or
 * from zero still happens under the monitor (puts count up under it; the step to zero takes it), so
 * `join`'s check under the monitor and the completion of `finished` see one consistent zero.
 */
/** What [QueueImpl]'s offer returns when the queue had no room for the item. */
private val FULL = Any()

internal class QueueImpl<E : Any>(
    override val capacity: Int,
    private val buffer: QueueBuffer<E>,
    private val kind: String,
) : AsyncQueue<E> {
    private val getters = WaitList<E>()
    private val putters = WaitList<Unit>()
    private val unfinished = AtomicLong()
    private var finished: CompletableDeferred<Unit>? = null
    private var shutdown = false
    private var immediateShutdown = false

    override val size: Int get() = synchronized(this) { buffer.size }
    override val isEmpty: Boolean get() = size == 0
    override val isFull: Boolean get() = capacity != AsyncQueue.UNBOUNDED && size >= capacity
    override val isShutdown: Boolean get() = synchronized(this) { shutdown }
    override val unfinishedTasks: Long get() = unfinished.get()

    /** Parked consumers and producers, for tests that check no waiter is left behind. */
    internal val waiters: Int get() = synchronized(this) { getters.size + putters.size }

    private fun shutdownError(op: String) = QueueShutdownException("AsyncQueue.$op: the $kind queue is shut down")

    override suspend fun put(item: E) {
        var getter: Waiter<E>? = null
        var waiter: Waiter<Unit>? = null
        synchronized(this) {
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
        if (w != null) park(this, putters, w) else getter?.wake()
    }

    override fun tryPut(item: E): Boolean = offerOrLink(item, null, "tryPut()")

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
        val getter = synchronized(this) {
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
            getter != null -> unfinished.incrementAndGet()
            buffer.size < capacity -> {
                buffer.add(item)
                unfinished.incrementAndGet()
            }
            else -> return FULL
        }
        return getter
    }

    /** Under the monitor: takes the next item and refills the freed slot from the first waiting producer. */
    private fun takeUnderLock(): Waiter<Unit>? {
        val p = putters.handFirst(Unit) ?: return null
        @Suppress("UNCHECKED_CAST")
        buffer.add(p.tag as E)
        unfinished.incrementAndGet()
        return p
    }

    override suspend fun get(): E {
        var item: E? = null
        var putter: Waiter<Unit>? = null
        var waiter: Waiter<E>? = null
        synchronized(this) {
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
        if (w != null) return park(this, getters, w)
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
        val item: E
        val putter: Waiter<Unit>?
        synchronized(this) {
            if (buffer.size == 0) {
                if (shutdown) throw shutdownError(op)
                if (waiter != null) getters.addLast(waiter)
                return null
            }
            item = buffer.remove()
            putter = takeUnderLock()
        }
        putter?.wake()
        return item
    }

    /** Java facade: takes back an item whose put was cancelled after it was accepted, if still held. */
    internal fun withdraw(item: E): Boolean {
        val putter: Waiter<Unit>?
        val done: CompletableDeferred<Unit>?
        synchronized(this) {
            if (!buffer.removeSame(item)) return false
            done = countDownLocked(1)
            putter = takeUnderLock()
        }
        putter?.wake()
        done?.complete(Unit)
        return true
    }

    /**
     * Java facade: gives back an item whose get was cancelled after it was taken; it becomes the next
     * item out (or goes to the first waiting consumer). Dropped if the queue was shut down immediately.
     */
    internal fun giveBack(item: E) {
        var getter: Waiter<E>? = null
        var done: CompletableDeferred<Unit>? = null
        synchronized(this) {
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
        while (true) {
            val count = unfinished.get()
            if (count <= 1L) break
            if (unfinished.compareAndSet(count, count - 1)) return
        }
        val done = synchronized(this) {
            check(unfinished.get() > 0L) {
                "AsyncQueue.taskDone() called more times than items were put: unfinished tasks = ${unfinished.get()}"
            }
            countDownLocked(1)
        }
        done?.complete(Unit)
    }

    /**
     * Under the monitor: lowers the count by [by], not below zero (other taskDone calls may count
     * down meanwhile, never to zero); returns the `finished` signal to complete if it reached zero.
     */
    private fun countDownLocked(by: Long): CompletableDeferred<Unit>? {
        while (true) {
            val count = unfinished.get()
            val left = maxOf(0L, count - by)
            if (unfinished.compareAndSet(count, left)) {
                return if (left == 0L) finished.also { finished = null } else null
            }
        }
    }

    override suspend fun join() {
        val done = synchronized(this) {
            if (unfinished.get() == 0L) return
            finished ?: CompletableDeferred<Unit>().also { finished = it }
        }
        done.await()
    }

    override fun shutdown(immediate: Boolean) {
        val failed = ArrayList<Waiter<*>>()
        var done: CompletableDeferred<Unit>? = null
        synchronized(this) {
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
            "unfinished=${unfinished.get()}, getters=${getters.size}, putters=${putters.size}${if (shutdown) ", shut down" else ""}]"
    }
}
