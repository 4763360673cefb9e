package dev.kaio.java.debug;

import dev.kaio.debug.TimingStats;
import dev.kaio.interop.DebugInterop;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Per-name timings of asynchronous work: counts, failures, p50/p90/p99 and max, kept in the same
 * store as Kotlin's {@code timed} ({@link dev.kaio.debug.Timings#getDefault()}), with bounded
 * memory per name (a fixed histogram; percentiles within 1/16 of the true value).
 *
 * <p><b>Sample usage</b>:
 * <pre>{@code
 * CompletableFuture<String> page = Timings.timed("fetch-page", () -> client.sendAsync(request, ofString()));
 * TimingStats stats = Timings.stats("fetch-page"); // getCount(), getP99(), getMax()
 * }</pre>
 */
public final class Timings {
    private Timings() {}

    /**
     * Starts {@code task} and completes with its stage's result, recording under {@code name}
     * the time from this call until the stage completes.
     *
     * <p><b>Failure</b>: the returned future fails with the stage's exception, unwrapped; the time
     * is recorded and counted as a failure. <b>Cancellation</b>: cancelling the returned future
     * cancels the stage and records the time as a cancellation. Nothing blocks, so there is no
     * interruption.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static <T> CompletableFuture<T> timed(String name, Supplier<? extends CompletionStage<T>> task) {
        return DebugInterop.timed(Objects.requireNonNull(name, "name"), dev.kaio.debug.Timings.getDefault(), Objects.requireNonNull(task, "task"));
    }

    /** The statistics recorded under {@code name}, or {@code null} if there are none. */
    public static TimingStats stats(String name) {
        return dev.kaio.debug.Timings.getDefault().stats(Objects.requireNonNull(name, "name"));
    }

    /** The statistics of every name, sorted by name. */
    public static Map<String, TimingStats> snapshot() {
        return dev.kaio.debug.Timings.getDefault().snapshot();
    }

    /** Forgets every name and its statistics (Kotlin's default store too: they are the same). */
    public static void reset() {
        dev.kaio.debug.Timings.getDefault().reset();
    }
}
