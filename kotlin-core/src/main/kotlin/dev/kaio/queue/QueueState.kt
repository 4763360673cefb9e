package dev.kaio.queue

import java.util.concurrent.atomic.AtomicLong

/*
 * Overview: a queue's one atomic word, so that a put or a get without waiters is one compare-and-set.
 *
 *   bit 62        bits 43..61          bits 32..42        bits 0..31
 *   SLOW          ring head position   items in the ring  unfinished tasks (low part)
 *
 * A put that stores its item in the ring changes the ring's size and the task count in the same
 * compare-and-set, so every reader of the word sees both or neither (Lincheck reads `size` and
 * `unfinishedTasks` side by side). SLOW, when set, sends every put and get through the queue's
 * monitor; see QueueImpl.kt for when it is set. Queues without a ring (lifo, priority) keep it set.
 *
 * The count field is 32 bits wide. A queue whose consumers never call taskDone counts up forever, so
 * a count that reaches `spillAt` moves all but `spillAt / 2` into `spilled`, a plain long guarded by
 * the queue's monitor, and keeps SLOW set until it is empty again: the true count is always
 * `count(word) + spilled`, and it changes to zero only under the monitor.
 */

internal const val COUNT_MASK: Long = (1L shl 32) - 1
internal const val SIZE_SHIFT: Int = 32
internal const val SIZE_ONE: Long = 1L shl SIZE_SHIFT
internal const val SIZE_MASK: Long = (1L shl 11) - 1
internal const val HEAD_SHIFT: Int = 43

/** Ring positions count modulo 2^19; every ring length is a power of two that divides it. */
internal const val POSITION_MASK: Long = (1L shl 19) - 1
internal const val SLOW: Long = 1L shl 62

/** The longest ring; a queue with more room keeps what does not fit in the ring in an overflow list. */
internal const val MAX_RING_LENGTH: Int = 1024

/** Where the count starts to spill out of the word; [QueueState] takes a smaller one in tests. */
internal const val DEFAULT_SPILL_AT: Long = 1L shl 31

internal fun countOf(word: Long): Long = word and COUNT_MASK

internal fun ringSizeOf(word: Long): Int = ((word ushr SIZE_SHIFT) and SIZE_MASK).toInt()

internal fun headOf(word: Long): Long = (word ushr HEAD_SHIFT) and POSITION_MASK

internal fun withHead(word: Long, head: Long): Long =
    (word and (POSITION_MASK shl HEAD_SHIFT).inv()) or ((head and POSITION_MASK) shl HEAD_SHIFT)

internal fun isSlow(word: Long): Boolean = word and SLOW != 0L

/**
 * The word and the spilled part of the task count. The word is read and changed with
 * compare-and-set from any thread; [spilled] only under the owning queue's monitor.
 */
internal class QueueState(internal val spillAt: Long = DEFAULT_SPILL_AT) {
    init {
        require(spillAt in 4L..DEFAULT_SPILL_AT) { "spillAt out of range: $spillAt" }
    }

    @JvmField val word: AtomicLong = AtomicLong(SLOW)

    /** Tasks counted outside the word; guarded by the queue's monitor. */
    var spilled: Long = 0L
        private set

    /** Under the monitor: the unfinished-task count. */
    fun countLocked(): Long = countOf(word.get()) + spilled

    /**
     * Under the monitor: adds [delta] to the count, not below zero, and returns the new count. Only
     * lock-free taskDone calls change the word's count meanwhile, and never to zero, so a retry
     * sees every one of them.
     */
    fun addCountLocked(delta: Long): Long {
        while (true) {
            val w = word.get()
            val next = maxOf(0L, countOf(w) + spilled + delta)
            val keptOut = if (next < spillAt) 0L else next - spillAt / 2
            if (word.compareAndSet(w, (w and COUNT_MASK.inv()) or (next - keptOut))) {
                spilled = keptOut
                return next
            }
        }
    }

    /** Without the monitor: counts one task down if that leaves the word's count above zero. */
    fun tryCountDownLockFree(): Boolean {
        while (true) {
            val w = word.get()
            if (countOf(w) <= 1L) return false
            if (word.compareAndSet(w, w - 1)) return true
        }
    }

    /** Sets [SLOW]; the caller holds the monitor. */
    fun enterSlow() {
        while (true) {
            val w = word.get()
            if (isSlow(w) || word.compareAndSet(w, w or SLOW)) return
        }
    }

    /** Clears [SLOW]; the caller holds the monitor and has checked that nothing needs it. */
    fun leaveSlow() {
        while (true) {
            val w = word.get()
            if (!isSlow(w) || word.compareAndSet(w, w and SLOW.inv())) return
        }
    }
}
