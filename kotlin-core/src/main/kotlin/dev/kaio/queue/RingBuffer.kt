package dev.kaio.queue

import java.util.concurrent.atomic.AtomicLongArray
import java.util.concurrent.atomic.AtomicReferenceArray

/*
 * Overview: the fifo queue's storage, a ring of cells that a put or a get claims lock-free.
 *
 * Positions (modulo 2^19) live in the queue's word (QueueState.kt): the head and the number of
 * items, so the tail is head + size. Claiming a position is one compare-and-set on the word; that
 * is the moment the put or get takes effect. Moving the item through the cell comes after it and
 * follows Dmitry Vyukov's bounded queue: each cell has a sequence number that says whose turn it is.
 *
 *   sequence == p        free for the put that claimed position p
 *   sequence == p + 1    holds the item of position p, for the get that claimed it
 *   get of p done   ──▶  sequence = p + length, free for the put one lap later
 *
 * A put or get that has claimed its position may have to wait for the other side of the same cell
 * (a put of this lap still writing, a get of the last lap still reading); both have already taken
 * effect and need no lock, so the wait is short and cannot deadlock.
 *
 * Under the monitor, with SLOW set, nobody else claims positions, so the monitor's code may also
 * take items from the middle, put one back at the head, and spill the ring's last item into
 * `overflow`, an ordinary list of the items that come after the ring's (an unbounded queue, or one
 * larger than the ring, keeps its extra items there). Invariant: `overflow` holds items only while
 * the ring is full, so order is ring first, then overflow.
 */

/** A fifo [QueueBuffer] on a ring of cells, with lock-free [tryAddFast] and [tryTakeFast]. */
internal class RingBuffer<E : Any>(
    capacity: Int,
    private val state: QueueState,
    maxLength: Int = MAX_RING_LENGTH,
) : QueueBuffer<E>() {
    init {
        require(maxLength in 1..MAX_RING_LENGTH && Integer.bitCount(maxLength) == 1) { "ring length: $maxLength" }
    }

    /** The smallest power of two that holds the capacity, at most [maxLength]. */
    private val length: Int = minOf(capacity, maxLength).let { if (it == 1) 1 else Integer.highestOneBit(it - 1) shl 1 }
    private val mask: Long = (length - 1).toLong()
    private val items = AtomicReferenceArray<E?>(length)
    private val sequences = AtomicLongArray(length).apply { for (i in 0 until length) set(i, i.toLong()) }
    private val overflow = ArrayDeque<E>()

    /** Ring items that a lock-free put may fill: the capacity, when the ring holds all of it. */
    private val fastLimit: Int = minOf(capacity, length)

    /** True when the monitor's code has nothing in [overflow] (a condition for clearing SLOW). */
    val overflowIsEmpty: Boolean get() = overflow.isEmpty()

    /**
     * Without the monitor: stores [item] and counts its task if the word is not SLOW, the ring has
     * room and the count has not reached the spill point; false otherwise (the caller goes to the
     * monitor).
     */
    fun tryAddFast(item: E): Boolean {
        while (true) {
            val w = state.word.get()
            val size = ringSizeOf(w)
            if (isSlow(w) || size >= fastLimit || countOf(w) >= state.spillAt - 1) return false
            if (state.word.compareAndSet(w, w + SIZE_ONE + 1)) {
                write((headOf(w) + size) and POSITION_MASK, item)
                return true
            }
        }
    }

    /** Without the monitor: takes the head item if the word is not SLOW and the ring holds one. */
    fun tryTakeFast(): E? {
        while (true) {
            val w = state.word.get()
            if (isSlow(w) || ringSizeOf(w) == 0) return null
            val head = headOf(w)
            if (state.word.compareAndSet(w, withHead(w - SIZE_ONE, head + 1))) return read(head)
        }
    }

    // Everything below runs under the monitor, with SLOW set.

    override val size: Int get() = ringSizeOf(state.word.get()) + overflow.size

    override fun add(item: E) {
        if (ringSizeOf(state.word.get()) == length) {
            overflow.addLast(item)
            return
        }
        val w = claim { it + SIZE_ONE }
        write((headOf(w) + ringSizeOf(w)) and POSITION_MASK, item)
    }

    override fun remove(): E {
        val w = claim { withHead(it - SIZE_ONE, headOf(it) + 1) }
        val item = read(headOf(w))
        if (overflow.isNotEmpty()) add(overflow.removeFirst())
        return item
    }

    override fun addFront(item: E) {
        if (ringSizeOf(state.word.get()) == length) overflow.addFirst(takeLast())
        val w = claim { withHead(it + SIZE_ONE, headOf(it) - 1) }
        val position = (headOf(w) - 1) and POSITION_MASK
        val cell = cellOf(position)
        await(cell, (position + length) and POSITION_MASK)
        items.set(cell, item)
        sequences.set(cell, (position + 1) and POSITION_MASK)
    }

    override fun removeSame(item: E): Boolean {
        // From the tail: a withdrawn put's item was added last, and the same object may be stored
        // more than once (a cached boxed Int), so the last copy is the one to take back.
        val inOverflow = overflow.indexOfLast { it === item }
        if (inOverflow >= 0) {
            overflow.removeAt(inOverflow)
            return true
        }
        val w = state.word.get()
        val head = headOf(w)
        val size = ringSizeOf(w)
        val found = (size - 1 downTo 0).firstOrNull { peekAt((head + it) and POSITION_MASK) === item } ?: return false
        // Shift the later items one position toward the head, then give up the last position.
        for (k in found until size - 1) {
            val to = cellOf((head + k) and POSITION_MASK)
            items.set(to, peekAt((head + k + 1) and POSITION_MASK))
        }
        takeLast()
        if (overflow.isNotEmpty()) add(overflow.removeFirst())
        return true
    }

    override fun clear(): Int {
        val n = size
        repeat(ringSizeOf(state.word.get())) {
            val w = claim { withHead(it - SIZE_ONE, headOf(it) + 1) }
            read(headOf(w))
        }
        overflow.clear()
        return n
    }

    /** Takes the ring's last item out of its cell and gives up its position (the tail moves back). */
    private fun takeLast(): E {
        val w = state.word.get()
        val position = (headOf(w) + ringSizeOf(w) - 1) and POSITION_MASK
        val cell = cellOf(position)
        val item = peekAt(position)
        items.set(cell, null)
        sequences.set(cell, position)
        claim { it - SIZE_ONE }
        return item
    }

    /** Under the monitor: changes the ring's fields of the word (lock-free taskDones change only the count). */
    private inline fun claim(change: (Long) -> Long): Long {
        while (true) {
            val w = state.word.get()
            if (state.word.compareAndSet(w, change(w))) return w
        }
    }

    private fun cellOf(position: Long): Int = (position and mask).toInt()

    /** Writes the item of claimed [position], once the last lap's get of its cell is done. */
    private fun write(position: Long, item: E) {
        val cell = cellOf(position)
        await(cell, position)
        items.set(cell, item)
        sequences.set(cell, (position + 1) and POSITION_MASK)
    }

    /** Reads and clears the item of claimed [position], once its put has written it. */
    private fun read(position: Long): E {
        val cell = cellOf(position)
        await(cell, (position + 1) and POSITION_MASK)
        val item = items.get(cell)!!
        items.set(cell, null)
        sequences.set(cell, (position + length) and POSITION_MASK)
        return item
    }

    /** The item of [position], which stays in the queue; waits until its put has written it. */
    private fun peekAt(position: Long): E {
        val cell = cellOf(position)
        await(cell, (position + 1) and POSITION_MASK)
        return items.get(cell)!!
    }

    /** Waits for the other side of [cell], which has already claimed its position and is not blocked. */
    private fun await(cell: Int, sequence: Long) {
        var spins = 0
        while (sequences.get(cell) != sequence) {
            if (++spins < 64) Thread.onSpinWait() else Thread.yield()
        }
    }
}
