package dev.kaio.java.sync

import dev.kaio.interop.awaitOwned
import dev.kaio.java.queue.AsyncQueue as JavaQueue
import dev.kaio.queue.AsyncQueue
import dev.kaio.sync.Barrier
import dev.kaio.sync.BoundedSemaphore
import dev.kaio.sync.Condition
import dev.kaio.sync.Event
import dev.kaio.sync.Lock
import dev.kaio.sync.Semaphore
import dev.kaio.sync.withLock

/**
 * The surface that the shared scenarios drive: one implementation calls the Kotlin API, the other
 * the Java facade (from Kotlin, awaiting its futures with `awaitOwned`, so cancelling the scenario's
 * coroutine cancels the Java future). Same scenarios, same expectations: the two cannot drift.
 */
interface SyncApi {
    val name: String

    fun lock(): LockApi
    fun semaphore(permits: Int, bounded: Boolean = false): SemaphoreApi
    fun event(): EventApi
    fun condition(): ConditionApi
    fun barrier(parties: Int): BarrierApi
    fun queue(kind: String, capacity: Int = AsyncQueue.UNBOUNDED): QueueApi
}

interface LockApi {
    /** Acquires and returns the holder token. */
    suspend fun acquire(): Any
    fun tryAcquire(): Any?
    fun release(holder: Any)
    val isLocked: Boolean
    suspend fun <T> withLock(block: suspend () -> T): T
}

interface SemaphoreApi {
    suspend fun acquire(n: Int = 1)
    fun tryAcquire(n: Int = 1): Boolean
    fun release(n: Int = 1)
    val available: Int
}

interface EventApi {
    fun set()
    fun clear()
    val isSet: Boolean
    suspend fun await()
}

interface ConditionApi {
    val lock: LockApi
    suspend fun await(holder: Any)
    suspend fun awaitUntil(holder: Any, predicate: () -> Boolean)
    fun signal(holder: Any, n: Int = 1)
    fun signalAll(holder: Any)
}

interface BarrierApi {
    suspend fun await(): Int
    fun abort()
    fun reset()
    val isBroken: Boolean
    val waiting: Int
}

interface QueueApi {
    suspend fun put(item: Int)
    fun tryPut(item: Int): Boolean
    suspend fun get(): Int
    fun tryGet(): Int?
    fun taskDone()
    suspend fun join()
    fun shutdown(immediate: Boolean = false)
    val size: Int
    val capacity: Int
    val isEmpty: Boolean
    val isFull: Boolean
}

/** The Kotlin API, with explicit owner tokens for the lock (as the Java facade needs). */
object KotlinSyncApi : SyncApi {
    override val name = "Kotlin"

    override fun lock(): LockApi = KotlinLock(Lock())

    class KotlinLock(val lock: Lock) : LockApi {
        override suspend fun acquire(): Any = Any().also { lock.acquire(it) }
        override fun tryAcquire(): Any? = Any().takeIf { lock.tryAcquire(it) }
        override fun release(holder: Any) = lock.release(holder)
        override val isLocked get() = lock.isLocked
        override suspend fun <T> withLock(block: suspend () -> T): T = lock.withLock { block() }
    }

    override fun semaphore(permits: Int, bounded: Boolean): SemaphoreApi {
        val s = if (bounded) BoundedSemaphore(permits) else Semaphore(permits)
        return object : SemaphoreApi {
            override suspend fun acquire(n: Int) = s.acquire(n)
            override fun tryAcquire(n: Int) = s.tryAcquire(n)
            override fun release(n: Int) = s.release(n)
            override val available get() = s.availablePermits
        }
    }

    override fun event(): EventApi {
        val e = Event()
        return object : EventApi {
            override fun set() = e.set()
            override fun clear() = e.clear()
            override val isSet get() = e.isSet
            override suspend fun await() = e.wait()
        }
    }

    override fun condition(): ConditionApi {
        val l = Lock()
        val c = Condition(l)
        return object : ConditionApi {
            override val lock = KotlinLock(l)
            override suspend fun await(holder: Any) = c.wait(holder)
            override suspend fun awaitUntil(holder: Any, predicate: () -> Boolean) {
                while (!predicate()) c.wait(holder)
            }
            override fun signal(holder: Any, n: Int) = c.notify(holder, n)
            override fun signalAll(holder: Any) = c.notify(holder, Int.MAX_VALUE)
        }
    }

    override fun barrier(parties: Int): BarrierApi {
        val b = Barrier(parties)
        return object : BarrierApi {
            override suspend fun await() = b.wait()
            override fun abort() = b.abort()
            override fun reset() = b.reset()
            override val isBroken get() = b.isBroken
            override val waiting get() = b.waiting
        }
    }

    override fun queue(kind: String, capacity: Int): QueueApi {
        val q: AsyncQueue<Int> = when (kind) {
            "fifo" -> AsyncQueue.fifo(capacity)
            "lifo" -> AsyncQueue.lifo(capacity)
            else -> AsyncQueue.priority(capacity)
        }
        return object : QueueApi {
            override suspend fun put(item: Int) = q.put(item)
            override fun tryPut(item: Int) = q.tryPut(item)
            override suspend fun get() = q.get()
            override fun tryGet() = q.tryGet()
            override fun taskDone() = q.taskDone()
            override suspend fun join() = q.join()
            override fun shutdown(immediate: Boolean) = q.shutdown(immediate)
            override val size get() = q.size
            override val capacity get() = q.capacity
            override val isEmpty get() = q.isEmpty
            override val isFull get() = q.isFull
        }
    }
}

/** The Java facade, called from Kotlin; every future is awaited with `awaitOwned`. */
object JavaSyncApi : SyncApi {
    override val name = "Java"

    override fun lock(): LockApi = JavaLock(AsyncLock.create())

    class JavaLock(val lock: AsyncLock) : LockApi {
        override suspend fun acquire(): Any = lock.acquire().awaitOwned()
        override fun tryAcquire(): Any? = lock.tryAcquire()
        override fun release(holder: Any) = (holder as AsyncLock.Holder).release()
        override val isLocked get() = lock.isLocked
        override suspend fun <T> withLock(block: suspend () -> T): T =
            lock.withLock { dev.kaio.interop.launchFuture { block() } }.awaitOwned()
    }

    override fun semaphore(permits: Int, bounded: Boolean): SemaphoreApi {
        val s = if (bounded) AsyncSemaphore.bounded(permits) else AsyncSemaphore.create(permits)
        return object : SemaphoreApi {
            override suspend fun acquire(n: Int) {
                s.acquire(n).awaitOwned()
            }
            override fun tryAcquire(n: Int) = s.tryAcquire(n)
            override fun release(n: Int) = s.release(n)
            override val available get() = s.availablePermits()
        }
    }

    override fun event(): EventApi {
        val e = AsyncEvent.create()
        return object : EventApi {
            override fun set() = e.set()
            override fun clear() = e.clear()
            override val isSet get() = e.isSet
            override suspend fun await() {
                e.await().awaitOwned()
            }
        }
    }

    override fun condition(): ConditionApi {
        val l = AsyncLock.create()
        val c = AsyncCondition.create(l)
        return object : ConditionApi {
            override val lock = JavaLock(l)
            override suspend fun await(holder: Any) {
                c.await(holder as AsyncLock.Holder).awaitOwned()
            }
            override suspend fun awaitUntil(holder: Any, predicate: () -> Boolean) {
                c.awaitUntil(holder as AsyncLock.Holder) { predicate() }.awaitOwned()
            }
            override fun signal(holder: Any, n: Int) = c.signal(holder as AsyncLock.Holder, n)
            override fun signalAll(holder: Any) = c.signalAll(holder as AsyncLock.Holder)
        }
    }

    override fun barrier(parties: Int): BarrierApi {
        val b = AsyncBarrier.create(parties)
        return object : BarrierApi {
            override suspend fun await(): Int = b.await().awaitOwned()
            override fun abort() = b.abort()
            override fun reset() = b.reset()
            override val isBroken get() = b.isBroken
            override val waiting get() = b.waiting()
        }
    }

    override fun queue(kind: String, capacity: Int): QueueApi {
        val q: JavaQueue<Int> = when (kind) {
            "fifo" -> JavaQueue.fifo(capacity)
            "lifo" -> JavaQueue.lifo(capacity)
            else -> JavaQueue.priority(capacity, naturalOrder())
        }
        return object : QueueApi {
            override suspend fun put(item: Int) {
                q.put(item).awaitOwned()
            }
            override fun tryPut(item: Int) = q.tryPut(item)
            override suspend fun get(): Int = q.get().awaitOwned()
            override fun tryGet(): Int? = q.tryGet()
            override fun taskDone() = q.taskDone()
            override suspend fun join() {
                q.join().awaitOwned()
            }
            override fun shutdown(immediate: Boolean) = q.shutdown(immediate)
            override val size get() = q.size()
            override val capacity get() = q.capacity()
            override val isEmpty get() = q.isEmpty
            override val isFull get() = q.isFull
        }
    }
}
