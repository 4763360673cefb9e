package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.cpuBound as kaioCpuBound
import dev.kaio.mapReduce as kaioMapReduce
import dev.kaio.parallelMap as kaioParallelMap
import dev.kaio.runIn as kaioRunIn
import dev.kaio.toThread as kaioToThread
import java.util.concurrent.Callable
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executor
import java.util.function.BinaryOperator
import java.util.function.Function
import java.util.function.IntConsumer

/**
 * The non-suspend entry points of offloading and CPU-bound work for `dev.kaio.java`: each is the
 * Kotlin function of the same name, started with [launchFuture], so cancelling the returned future
 * cancels the task (and so interrupts the thread running the callable).
 */
@InternalKaioApi
public object OffloadInterop {
    @JvmStatic
    public fun <T> toThread(task: Callable<T>): CompletableFuture<T> = launchFuture { kaioToThread { task.call() } }

    @JvmStatic
    public fun <T> runIn(executor: Executor, task: Callable<T>): CompletableFuture<T> =
        launchFuture { kaioRunIn(executor) { task.call() } }

    @JvmStatic
    public fun <T> cpuBound(task: Callable<T>): CompletableFuture<T> = launchFuture { kaioCpuBound { task.call() } }

    @JvmStatic
    public fun <T, R> map(items: List<T>, concurrency: Int, transform: Function<in T, out R>): CompletableFuture<List<R>> {
        require(concurrency >= 1) { "concurrency < 1: $concurrency" }
        return launchFuture { kaioParallelMap(items, concurrency) { transform.apply(it) } }
    }

    @JvmStatic
    public fun <C, R> mapReduce(
        chunks: List<C>,
        map: Function<in C, out R>,
        reduce: BinaryOperator<R>,
        progress: IntConsumer?,
    ): CompletableFuture<R> = launchFuture {
        kaioMapReduce(chunks, { map.apply(it) }, { a, b -> reduce.apply(a, b) }, progress?.let { p -> { done: Int -> p.accept(done) } })
    }
}
