package dev.kaio.sync

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract

/**
 * A fair readers-writer lock for coroutines: many readers at once, or one writer.
 *
 * asyncio has none (nor has kotlinx, where it has been requested since 2017); Kaio adds it because
 * it completes the toolkit and costs one small class.
 *
 * **Fairness.** One FIFO queue for readers and writers. A reader may pass only while no writer
 * holds the lock *and nobody waits*, so a waiting writer is never starved by a stream of new
 * readers; when a writer releases, the readers queued consecutively at the head enter together.
 *
 * **Ownership.** Read and write holds are counted, not owned: [releaseRead] and [releaseWrite]
 * check only that such a hold exists. Prefer [withReadLock]/[withWriteLock].
 *
 * **Cancellation.** As for [Lock]: a caller cancelled while waiting leaves the queue and throws
 * `CancellationException` holding nothing, and the waiters it held back are admitted. One that had
 * been handed its hold but had not resumed yet throws too and releases the hold, which admits the
 * next waiters: a cancelled acquire never keeps a hold, and the block of [withReadLock] or
 * [withWriteLock] does not run.
 *
 * **Misuse.** [releaseRead] with no reader, or [releaseWrite] with no writer, throws
 * [IllegalStateException] with the current state.
 */
public interface ReadWriteLock {
    /** Readers holding the lock now. */
    public val readers: Int

    /** True while a writer holds the lock. */
    public val isWriteLocked: Boolean

    /** Takes a read hold, waiting (FIFO) while a writer holds the lock or anybody waits. */
    public suspend fun acquireRead()

    /** Takes a read hold if that needs no waiting. */
    public fun tryAcquireRead(): Boolean

    /** Gives back a read hold. */
    public fun releaseRead()

    /** Takes the write hold, waiting (FIFO) until no reader or writer holds the lock. */
    public suspend fun acquireWrite()

    /** Takes the write hold if that needs no waiting. */
    public fun tryAcquireWrite(): Boolean

    /** Gives back the write hold. */
    public fun releaseWrite()
}

/** Creates a [ReadWriteLock], free. */
public fun ReadWriteLock(): ReadWriteLock = ReadWriteLockImpl()

/** Runs [block] holding a read hold of [this] lock, released in any case. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> ReadWriteLock.withReadLock(block: () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    acquireRead()
    try {
        return block()
    } finally {
        releaseRead()
    }
}

/** Runs [block] holding the write hold of [this] lock, released in any case. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> ReadWriteLock.withWriteLock(block: () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    acquireWrite()
    try {
        return block()
    } finally {
        releaseWrite()
    }
}

/*
 * Overview: `readers` and `writer` describe the holds; one FIFO of waiters tagged READ or WRITE.
 * Releasing serves the head: a writer when the lock is free, or every consecutive reader while no
 * writer holds it. Invariant: nobody waits unless the head cannot enter.
 */
internal class ReadWriteLockImpl : ReadWriteLock {
    private var readerCount = 0
    private var writer = false
    private val waiters = WaitList<Unit>()

    override val readers: Int get() = synchronized(this) { readerCount }
    override val isWriteLocked: Boolean get() = synchronized(this) { writer }

    override suspend fun acquireRead() {
        val waiter: Waiter<Unit>
        synchronized(this) {
            if (!writer && waiters.isEmpty) {
                readerCount++
                return
            }
            waiter = Waiter(READ)
            waiters.addLast(waiter)
        }
        park(this, waiters, waiter, { serve() }) { releaseRead(); true }
    }

    override fun tryAcquireRead(): Boolean = synchronized(this) {
        if (writer || !waiters.isEmpty) return false
        readerCount++
        true
    }

    override fun releaseRead() {
        val woken = synchronized(this) {
            check(readerCount > 0) { "ReadWriteLock.releaseRead(): no read hold to release ($this)" }
            readerCount--
            serve()
        }
        woken.forEach { it.wake() }
    }

    override suspend fun acquireWrite() {
        val waiter: Waiter<Unit>
        synchronized(this) {
            if (!writer && readerCount == 0 && waiters.isEmpty) {
                writer = true
                return
            }
            waiter = Waiter(WRITE)
            waiters.addLast(waiter)
        }
        park(this, waiters, waiter, { serve() }) { releaseWrite(); true }
    }

    override fun tryAcquireWrite(): Boolean = synchronized(this) {
        if (writer || readerCount > 0 || !waiters.isEmpty) return false
        writer = true
        true
    }

    override fun releaseWrite() {
        val woken = synchronized(this) {
            check(writer) { "ReadWriteLock.releaseWrite(): no write hold to release ($this)" }
            writer = false
            serve()
        }
        woken.forEach { it.wake() }
    }

    /** Under the monitor: admits waiters from the head while they can enter. */
    private fun serve(): List<Waiter<*>> {
        var woken: ArrayList<Waiter<Unit>>? = null
        while (true) {
            val head = waiters.first() ?: break
            if (writer) break
            if (head.tag === WRITE) {
                if (readerCount > 0) break
                waiters.removeFirst()
                if (!head.hand(Unit)) continue
                writer = true
            } else {
                waiters.removeFirst()
                if (!head.hand(Unit)) continue
                readerCount++
            }
            (woken ?: ArrayList<Waiter<Unit>>().also { woken = it }).add(head)
        }
        return woken ?: emptyList()
    }

    override fun toString(): String =
        "ReadWriteLock[readers=$readerCount, writer=$writer, waiting=${waiters.size}]"

    private companion object {
        val READ = Any()
        val WRITE = Any()
    }
}
