package dev.kaio.queue

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
 * **Cost.** A fifo queue's [put] and [get] take no lock while nobody waits, the queue is not shut
 * down and its items fit in its ring (the first 1,024): each is one compare-and-set on the queue's
 * state and a move through a ring cell. Waiting, serving waiters, shutdown, items beyond the ring,
 * and every operation of lifo and priority queues go through the queue's monitor.
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
            QueueImpl.fifo(checkCapacity(capacity))

        /** A last-in, first-out queue, asyncio's `LifoQueue`. */
        public fun <E : Any> lifo(capacity: Int = UNBOUNDED): AsyncQueue<E> =
            QueueImpl(checkCapacity(capacity), "lifo") { LifoBuffer() }

        /**
         * A queue that returns its smallest item by [comparator] first, asyncio's `PriorityQueue`;
         * equal items come out in the order they were put.
         */
        public fun <E : Any> priority(capacity: Int = UNBOUNDED, comparator: Comparator<in E>): AsyncQueue<E> =
            QueueImpl(checkCapacity(capacity), "priority") { PriorityBuffer(comparator) }

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
