package dev.kaio.sync

import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * Lock and Semaphore on `Dispatchers.Default` with random cancellations of waiting acquires: mutual
 * exclusion (at most `permits` holders at once) holds throughout and, at the end, every permit is
 * back and the lock is free: a cancelled acquire never keeps anything.
 */
internal class SyncStressTest {
    private val tasks = 16
    private val rounds = 20_000

    @Test
    fun semaphoreUnderRandomCancellation() = runBlocking(Dispatchers.Default) {
        val sem = Semaphore(3)
        val holders = AtomicInteger()
        withTimeout(60.seconds) {
            List(tasks) { t ->
                launch {
                    val random = Random(t)
                    repeat(rounds) {
                        val n = 1 + random.nextInt(2)
                        val child = launch(start = CoroutineStart.UNDISPATCHED) {
                            sem.withPermit(n) {
                                val now = holders.addAndGet(n)
                                try {
                                    check(now <= 3) { "$now permits held at once" }
                                    yield()
                                } finally {
                                    holders.addAndGet(-n)
                                }
                            }
                        }
                        if (random.nextInt(4) == 0) child.cancel()
                        child.join()
                    }
                }
            }.joinAll()
        }
        assertEquals(3, sem.availablePermits)
    }

    @Test
    fun lockUnderRandomCancellation() = runBlocking(Dispatchers.Default) {
        val lock = Lock()
        val inside = AtomicInteger()
        var counter = 0
        val completed = AtomicInteger()
        withTimeout(60.seconds) {
            List(tasks) { t ->
                launch {
                    val random = Random(100 + t)
                    repeat(rounds) {
                        val child = launch(start = CoroutineStart.UNDISPATCHED) {
                            lock.withLock {
                                check(inside.incrementAndGet() == 1) { "two holders at once" }
                                counter++
                                completed.incrementAndGet()
                                inside.decrementAndGet()
                            }
                            yield()
                        }
                        if (random.nextInt(4) == 0) child.cancel()
                        child.join()
                    }
                }
            }.joinAll()
        }
        assertFalse(lock.isLocked)
        assertEquals(completed.get(), counter)
    }
}
