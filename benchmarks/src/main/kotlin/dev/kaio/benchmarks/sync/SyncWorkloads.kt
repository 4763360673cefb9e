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
import kotlinx.coroutines.sync.withLock as kWithLock
import kotlinx.coroutines.sync.withPermit as kWithPermit

/*
 * The workloads of issue 3, in Kotlin; the JMH @Benchmark classes (Java) call them.
 * All coroutine workloads run on Dispatchers.Default (2 workers on this machine).
 */

/** 1 producer, 4 consumers, [items] items through a Kaio fifo queue of [capacity], with taskDone/join. */
fun kaioQueuePipeline(items: Int, capacity: Int): Long = runBlocking(Dispatchers.Default) {
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
fun channelPipeline(items: Int, capacity: Int): Long = runBlocking(Dispatchers.Default) {
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

/** [tasks] coroutines each doing [increments] increments under a Kaio [Lock]. */
fun kaioLockCounter(tasks: Int, increments: Int): Long = runBlocking(Dispatchers.Default) {
    val lock = Lock()
    var counter = 0L
    List(tasks) { launch { repeat(increments) { lock.withLock { counter++ } } } }.joinAll()
    check(counter == tasks.toLong() * increments)
    counter
}

/** The same under a kotlinx [Mutex]. */
fun mutexCounter(tasks: Int, increments: Int): Long = runBlocking(Dispatchers.Default) {
    val mutex = Mutex()
    var counter = 0L
    List(tasks) { launch { repeat(increments) { mutex.kWithLock { counter++ } } } }.joinAll()
    check(counter == tasks.toLong() * increments)
    counter
}

/** [tasks] coroutines each doing [increments] atomic increments holding a permit of a Kaio Semaphore([permits]). */
fun kaioSemaphoreCounter(tasks: Int, increments: Int, permits: Int): Long = runBlocking(Dispatchers.Default) {
    val sem = Semaphore(permits)
    val counter = java.util.concurrent.atomic.AtomicLong()
    List(tasks) { launch { repeat(increments) { sem.withPermit { counter.incrementAndGet() } } } }.joinAll()
    counter.get()
}

/** The same with a kotlinx Semaphore([permits]). */
fun kotlinxSemaphoreCounter(tasks: Int, increments: Int, permits: Int): Long = runBlocking(Dispatchers.Default) {
    val sem = kotlinx.coroutines.sync.Semaphore(permits)
    val counter = java.util.concurrent.atomic.AtomicLong()
    List(tasks) { launch { repeat(increments) { sem.kWithPermit { counter.incrementAndGet() } } } }.joinAll()
    counter.get()
}
