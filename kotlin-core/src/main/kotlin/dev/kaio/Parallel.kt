@file:JvmName("Parallel")

package dev.kaio

import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/*
 * Overview: the JVM counterpart of the book's ProcessPoolExecutor + MapReduce. Threads instead of
 * processes (no pickling, shared memory), Dispatchers.Default (one thread per core) instead of a
 * pool of processes. `parallelMap` starts `concurrency` workers that take the next index from a
 * shared counter, so a million items cost a million calls, not a million coroutines, and the
 * results land in an array slot by index (published to the caller by the workers' completion).
 */

/**
 * Runs CPU-bound [block] on `Dispatchers.Default` (one thread per core) and suspends until it
 * returns: the counterpart of `loop.run_in_executor(process_pool, fn)`.
 *
 * **Cancellation.** Cooperative, as for all coroutines: a long computation should call
 * `ensureActive()` or `yield()` now and then; the thread is not interrupted (use [toThread] for
 * blocking calls). **Failure**: rethrown as is.
 */
public suspend fun <T> cpuBound(block: suspend CoroutineScope.() -> T): T = withContext(Dispatchers.Default, block)

/**
 * Applies [transform] to every item, at most [concurrency] at once, and returns the results in the
 * order of [items] (not of finishing).
 *
 * **Failure.** The first exception thrown by [transform] cancels the calls still running, starts
 * no more, waits for the running ones to end and is then rethrown.
 *
 * **Cancellation.** Cancelling the caller cancels every running call and starts no more.
 *
 * @param concurrency how many calls may run at the same time; defaults to the number of cores
 * @param context where the calls run; `Dispatchers.Default` by default. Pass
 *   `EmptyCoroutineContext` to run them on the caller's dispatcher (for suspending work on one loop).
 * @throws IllegalArgumentException if [concurrency] is less than 1
 */
public suspend fun <T, R> parallelMap(
    items: List<T>,
    concurrency: Int = Runtime.getRuntime().availableProcessors(),
    context: CoroutineContext = Dispatchers.Default,
    transform: suspend (T) -> R,
): List<R> {
    require(concurrency >= 1) { "concurrency < 1: $concurrency" }
    val results = arrayOfNulls<Any?>(items.size)
    val next = AtomicInteger()
    coroutineScope {
        repeat(minOf(concurrency, items.size)) {
            launch(context) {
                while (true) {
                    ensureActive() // a blocking transform never suspends: stop between items
                    val index = next.getAndIncrement()
                    if (index >= items.size) break
                    results[index] = transform(items[index])
                }
            }
        }
    }
    @Suppress("UNCHECKED_CAST")
    return results.asList() as List<R>
}

/**
 * MapReduce over [chunks]: applies [map] to every chunk in parallel (as [parallelMap], on every
 * core), then combines the results with [reduce] in the order of [chunks], so [reduce] needs to be
 * associative but not commutative.
 *
 * **Reduction** is a tree, in parallel too: neighbours are combined pairwise (`r0+r1`, `r2+r3`, …),
 * then the pairs' results pairwise, until one is left; so `chunks.size - 1` calls, at most
 * [concurrency] at once, each result passed to [reduce] exactly once (it may update and return its
 * first argument). A sequential left-to-right reduce would leave all but one core idle at the end.
 *
 * **Progress.** [progress], if given, is called once per mapped chunk with the number of chunks
 * mapped so far (1, 2, …, `chunks.size`, in that order). Calls are serialized, but come from the
 * worker threads: keep them short.
 *
 * **Failure and cancellation** as for [parallelMap]; a failure of [reduce] or [progress] is
 * rethrown as is.
 *
 * @throws IllegalArgumentException if [chunks] is empty (there is nothing to reduce) or
 *   [concurrency] is less than 1
 */
public suspend fun <C, R> mapReduce(
    chunks: List<C>,
    map: suspend (C) -> R,
    reduce: (R, R) -> R,
    progress: ((Int) -> Unit)? = null,
    concurrency: Int = Runtime.getRuntime().availableProcessors(),
    context: CoroutineContext = Dispatchers.Default,
): R {
    require(chunks.isNotEmpty()) { "mapReduce needs at least one chunk, got none" }
    val lock = Any()
    var done = 0
    val mapped = parallelMap(chunks, concurrency, context) { chunk ->
        val result = map(chunk)
        if (progress != null) synchronized(lock) { progress(++done) }
        result
    }
    var level = mapped
    while (level.size > 1) {
        val below = level
        level = parallelMap(List((below.size + 1) / 2) { it }, concurrency, context) { pair ->
            if (2 * pair + 1 < below.size) reduce(below[2 * pair], below[2 * pair + 1]) else below[2 * pair]
        }
    }
    return level.single()
}
