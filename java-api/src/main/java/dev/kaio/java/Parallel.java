package dev.kaio.java;

import dev.kaio.interop.OffloadInterop;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * CPU-bound work on every core: the JVM counterpart of asyncio's {@code ProcessPoolExecutor} and
 * the book's MapReduce, with threads ({@code Dispatchers.Default}, one per core) instead of
 * processes, so nothing is pickled and results are shared, not copied.
 *
 * <p><b>Cancellation.</b> Cancelling a returned future cancels the work: no more items or chunks
 * are started. A function already running is not interrupted (computation is not blocking; use
 * {@link Tasks#toThread} for blocking calls) and its result is dropped.
 *
 * <p><b>Failure.</b> The first exception thrown by a function cancels the rest; the future fails
 * with that exception, unwrapped, once the running calls have ended.
 *
 * <p><b>Sample usage</b>, counting words:
 * <pre>{@code
 * CompletableFuture<Map<String, Integer>> counts = Parallel.mapReduce(
 *     chunks, WordCount::count, WordCount::merge, done -> System.out.println(done + " chunks"));
 * }</pre>
 */
public final class Parallel {
    private Parallel() {}

    /** Runs CPU-bound {@code task} on Kaio's CPU threads and completes with its result. */
    public static <T> CompletableFuture<T> cpuBound(Callable<T> task) {
        return OffloadInterop.cpuBound(Objects.requireNonNull(task, "task"));
    }

    /**
     * Applies {@code transform} to every item, at most {@code concurrency} at once, and completes
     * with the results in the order of {@code items}.
     *
     * @throws IllegalArgumentException if {@code concurrency} is less than 1
     */
    public static <T, R> CompletableFuture<List<R>> map(List<? extends T> items, int concurrency, Function<? super T, ? extends R> transform) {
        return OffloadInterop.map(List.copyOf(Objects.requireNonNull(items, "items")), concurrency, Objects.requireNonNull(transform, "transform"));
    }

    /** {@link #map(List, int, Function)} with one call per core at once. */
    public static <T, R> CompletableFuture<List<R>> map(List<? extends T> items, Function<? super T, ? extends R> transform) {
        return map(items, Runtime.getRuntime().availableProcessors(), transform);
    }

    /**
     * MapReduce: applies {@code map} to every chunk on every core, then combines the results with
     * {@code reduce} left to right in chunk order ({@code reduce} must be associative, need not be
     * commutative).
     *
     * @param progress called once per mapped chunk with the number mapped so far (1, 2, … in order,
     *     calls serialized, from worker threads), or {@code null}
     * @throws IllegalArgumentException if {@code chunks} is empty
     */
    public static <C, R> CompletableFuture<R> mapReduce(List<? extends C> chunks, Function<? super C, ? extends R> map,
            BinaryOperator<R> reduce, IntConsumer progress) {
        List<C> copy = List.copyOf(Objects.requireNonNull(chunks, "chunks"));
        if (copy.isEmpty()) throw new IllegalArgumentException("mapReduce needs at least one chunk, got none");
        Objects.requireNonNull(map, "map");
        Function<C, R> mapper = chunk -> map.apply(chunk);
        return OffloadInterop.mapReduce(copy, mapper, Objects.requireNonNull(reduce, "reduce"), progress);
    }
}
