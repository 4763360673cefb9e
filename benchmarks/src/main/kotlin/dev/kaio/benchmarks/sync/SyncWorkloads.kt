@file:JvmName("SyncWorkloads")

package dev.kaio.benchmarks.sync

import dev.kaio.queue.AsyncQueue
import dev.kaio.queue.QueueShutdownException
import dev.kaio.sync.Lock
import dev.kaio.sync.Semaphore
import dev.kaio.sync.withLock
import dev.kaio.sync.withPermit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.sync.withLock as kWithLock
import kotlinx.coroutines.sync.withPermit as kWithPermit

/*
 * The workloads of issue 3, in Kotlin; the JMH @Benchmark classes (Java) call them.
 * Every workload runs its tasks in one of two modes, chosen on purpose (see the benchmark classes
 * for what each measures; Dispatchers.Default has 2 workers on this machine):
 *  - TWO_WORKERS: the tasks run on Dispatchers.Default, both workers take them and run them at the
 *    same time (the lock and semaphore tasks are launched from the benchmark thread, so they go to
 *    the scheduler's global queue): two threads contend on the primitive or the queue;
 *  - ONE_THREAD: every task runs on the benchmark thread (runBlocking's event loop, no
 *    dispatcher): the cost of the library alone, with no cross-thread traffic at all.
 */
const val TWO_WORKERS = "twoWorkers"
const val ONE_THREAD = "oneThread"

private fun dispatchingOf(mode: String): CoroutineContext = when (mode) {
    TWO_WORKERS -> Dispatchers.Default
    ONE_THREAD -> EmptyCoroutineContext
    else -> throw IllegalArgumentException("unknown mode: $mode")
}

/**
 * 1 producer, 4 consumers, [items] items through a Kaio fifo queue of [capacity], with taskDone/join,
 * in [mode]: [TWO_WORKERS] on Dispatchers.Default, [ONE_THREAD] on runBlocking's event loop.
 */
fun kaioQueuePipeline(mode: String, items: Int, capacity: Int): Long = runBlocking(dispatchingOf(mode)) {
    val queue = AsyncQueue.fifo<Int>(capacity)
    var sum = 0L
    val consumers = List(4) {
        launch {
            var local = 0L
            try {
                while (true) {
                    local += queue.get()
                    queue.taskDone()
                }
            } catch (e: QueueShutdownException) {
                synchronized(queue) { sum += local }
            }
        }
    }
    launch { for (i in 0 until items) queue.put(i) }.join()
    queue.join()
    queue.shutdown()
    consumers.joinAll()
    sum
}

/** The same pipeline over a raw kotlinx Channel([capacity]); no task accounting (the producer closes). */
fun channelPipeline(mode: String, items: Int, capacity: Int): Long = runBlocking(dispatchingOf(mode)) {
    val channel = Channel<Int>(capacity)
    var sum = 0L
    val consumers = List(4) {
        launch {
            var local = 0L
            for (x in channel) local += x
            synchronized(channel) { sum += local }
        }
    }
    launch {
        for (i in 0 until items) channel.send(i)
        channel.close()
    }
    consumers.joinAll()
    sum
}

/** Runs [tasks] copies of [task] in [mode] ([TWO_WORKERS] or [ONE_THREAD]) and waits for all. */
private fun runTasks(mode: String, tasks: Int, task: suspend () -> Unit) = runBlocking {
    val context = dispatchingOf(mode)
    List(tasks) { launch(context) { task() } }.joinAll()
}

/** [tasks] coroutines each doing [increments] increments under a Kaio [Lock]. */
fun kaioLockCounter(mode: String, tasks: Int, increments: Int): Long {
    val lock = Lock()
    var counter = 0L
    runTasks(mode, tasks) { repeat(increments) { lock.withLock { counter++ } } }
    check(counter == tasks.toLong() * increments)
    return counter
}

/** The same under a kotlinx [Mutex]. */
fun mutexCounter(mode: String, tasks: Int, increments: Int): Long {
    val mutex = Mutex()
    var counter = 0L
    runTasks(mode, tasks) { repeat(increments) { mutex.kWithLock { counter++ } } }
    check(counter == tasks.toLong() * increments)
    return counter
}

/** [tasks] coroutines each doing [increments] atomic increments holding a permit of a Kaio Semaphore([permits]). */
fun kaioSemaphoreCounter(mode: String, tasks: Int, increments: Int, permits: Int): Long {
    val sem = Semaphore(permits)
    val counter = AtomicLong()
    runTasks(mode, tasks) { repeat(increments) { sem.withPermit { counter.incrementAndGet() } } }
    return counter.get()
}

/** The same with a kotlinx Semaphore([permits]). */
fun kotlinxSemaphoreCounter(mode: String, tasks: Int, increments: Int, permits: Int): Long {
    val sem = kotlinx.coroutines.sync.Semaphore(permits)
    val counter = AtomicLong()
    runTasks(mode, tasks) { repeat(increments) { sem.kWithPermit { counter.incrementAndGet() } } }
    return counter.get()
}
