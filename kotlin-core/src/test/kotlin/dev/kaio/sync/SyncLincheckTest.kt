package dev.kaio.sync

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.ThreadIdGen
import org.junit.jupiter.api.Test

/** Small model-checking runs: a few seconds each, enough to explore the hand-off races. */
internal fun lincheckOptions(): ModelCheckingOptions = ModelCheckingOptions()
    .iterations(8)
    .invocationsPerIteration(300)
    .threads(2)
    .actorsPerThread(3)
    .actorsBefore(1)
    .actorsAfter(1)

private val owners = Array(4) { Any() }

/**
 * Linearizability of [Lock] in model-checking mode: suspending acquire (cancellable while waiting),
 * tryAcquire, release by holder and non-holder (errors are results), one owner per thread.
 */
internal class LockLincheckTest {
    private val lock = Lock()

    @Operation
    suspend fun acquire(@Param(gen = ThreadIdGen::class) t: Int) = lock.acquire(owners[t])

    @Operation
    fun tryAcquire(@Param(gen = ThreadIdGen::class) t: Int) = lock.tryAcquire(owners[t])

    @Operation
    fun release(@Param(gen = ThreadIdGen::class) t: Int) = runCatching { lock.release(owners[t]) }.isSuccess

    @Operation
    fun isLocked() = lock.isLocked

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/** Linearizability of a [Semaphore] with 2 permits, multi-permit acquire included. */
internal class SemaphoreLincheckTest {
    private val sem = Semaphore(2)

    @Operation
    suspend fun acquire() = sem.acquire()

    @Operation
    suspend fun acquireTwo() = sem.acquire(2)

    @Operation
    fun tryAcquire() = sem.tryAcquire()

    @Operation
    fun release() = sem.release()

    @Operation
    fun available() = sem.availablePermits

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/** Linearizability of a [BoundedSemaphore] of 1: a release past the size is an error result. */
internal class BoundedSemaphoreLincheckTest {
    private val sem = BoundedSemaphore(1)

    @Operation
    suspend fun acquire() = sem.acquire()

    @Operation
    fun release() = runCatching { sem.release() }.isSuccess

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/** Linearizability of [Event]. */
internal class EventLincheckTest {
    private val event = Event()

    @Operation
    suspend fun await() = event.wait()

    @Operation
    fun set() = event.set()

    @Operation
    fun clear() = event.clear()

    @Operation
    fun isSet() = event.isSet

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/**
 * Linearizability of a [Barrier] of 2 parties: arrival indexes, abort, reset, broken errors.
 *
 * Waits are not cancelled here: a party cancelled at the very moment the round trips has passed the
 * barrier (documented on [Barrier]), while Lincheck's model requires a cancelled operation to have
 * had no effect; resuming several continuations atomically is impossible with kotlinx's
 * per-continuation state. Cancellation while waiting is covered by `SyncOrderTest`.
 */
internal class BarrierLincheckTest {
    private val barrier = Barrier(2)

    @Operation(cancellableOnSuspension = false)
    suspend fun await() = runCatching { barrier.wait() }.getOrElse { if (it is java.util.concurrent.BrokenBarrierException) -1 else throw it }

    @Operation
    fun abort() = barrier.abort()

    @Operation
    fun reset() = barrier.reset()

    @Operation
    fun waiting() = barrier.waiting

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}
