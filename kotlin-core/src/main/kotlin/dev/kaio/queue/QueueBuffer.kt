package dev.kaio.queue

import java.util.PriorityQueue

/** The storage discipline of an [AsyncQueue]; guarded by the queue's monitor (fifo: [RingBuffer]). */
internal sealed class QueueBuffer<E : Any> {
    abstract val size: Int
    abstract fun add(item: E)
    abstract fun remove(): E

    /** Puts back an item that was taken, so that it is the next one out. */
    abstract fun addFront(item: E)

    /** Removes [item] (by identity) if it is still stored; used to withdraw a put that was cancelled late. */
    abstract fun removeSame(item: E): Boolean

    /** Removes every item; returns how many there were. */
    abstract fun clear(): Int
}

/** Last in, first out. */
internal class LifoBuffer<E : Any> : QueueBuffer<E>() {
    private val items = ArrayDeque<E>()
    override val size: Int get() = items.size
    override fun add(item: E) = items.addLast(item)
    override fun remove(): E = items.removeLast()
    override fun addFront(item: E) = items.addLast(item)
    override fun removeSame(item: E): Boolean {
        val i = items.indexOfLast { it === item }
        if (i >= 0) items.removeAt(i)
        return i >= 0
    }
    override fun clear(): Int = items.size.also { items.clear() }
}

/** Smallest first by the comparator; equal items in insertion order (a stable heap). */
internal class PriorityBuffer<E : Any>(comparator: Comparator<in E>) : QueueBuffer<E>() {
    private class Entry<E>(val item: E, val seq: Long)

    private var seq = 0L
    private var frontSeq = -1L
    private val items = PriorityQueue<Entry<E>>(11) { a, b ->
        val c = comparator.compare(a.item, b.item)
        if (c != 0) c else a.seq.compareTo(b.seq)
    }
    override val size: Int get() = items.size
    override fun add(item: E) {
        items.add(Entry(item, seq++))
    }
    override fun remove(): E = items.poll().item
    override fun addFront(item: E) {
        items.add(Entry(item, frontSeq--))
    }
    override fun removeSame(item: E): Boolean {
        val it = items.iterator()
        while (it.hasNext()) {
            if (it.next().item === item) {
                it.remove()
                return true
            }
        }
        return false
    }
    override fun clear(): Int = items.size.also { items.clear() }
}
