package dev.kaio.benchmarks.tasks;

import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * 10,000 timeouts one after the other, each around work that suspends once and finishes well
 * before its 10 s deadline: the cost of setting up and taking down a deadline that does not fire.
 * Kaio's Kotlin {@code timeout} against raw kotlinx's {@code withTimeout}, both in runBlocking;
 * the Java facade's {@code Tasks.timeout} around {@code Tasks.sleep(ZERO)} in an {@link EventLoop}
 * against {@code CompletableFuture.orTimeout} around a task on a single-thread executor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TimeoutBenchmark {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @Param("10000")
    public int timeouts;

    private ExecutorService singleThread;

    @Setup
    public void setUp() {
        singleThread = Executors.newSingleThreadExecutor();
    }

    @TearDown
    public void tearDown() {
        singleThread.shutdownNow();
    }

    @Benchmark
    public int kaioKotlin() {
        return TimeoutWorkloads.kaioKotlin(timeouts);
    }

    @Benchmark
    public int kaioKotlinInEventLoop() {
        return TimeoutWorkloads.kaioKotlinInEventLoop(timeouts);
    }

    @Benchmark
    public int kaioKotlinOnDefault() {
        return TimeoutWorkloads.kaioKotlinOnDefault(timeouts);
    }

    @Benchmark
    public int rawKotlinxOnDefault() {
        return TimeoutWorkloads.rawKotlinxOnDefault(timeouts);
    }

    @Benchmark
    public int rawKotlinx() {
        return TimeoutWorkloads.rawKotlinx(timeouts);
    }

    @Benchmark
    public int kaioJava() throws Exception {
        return EventLoop.run(() -> kaioJavaFrom(0, 0));
    }

    @Benchmark
    public int rawCompletableFuture() {
        return rawFrom(0, 0).toCompletableFuture().join();
    }

    /** Each timeout starts when the one before has completed; the stack does not grow, the loop runs each step. */
    private CompletionStage<Integer> kaioJavaFrom(int i, int sum) {
        if (i == timeouts) return CompletableFuture.completedFuture(sum);
        return Tasks.timeout(LIMIT, () -> Tasks.sleep(Duration.ZERO).thenApply(ignored -> i))
                .thenCompose(value -> kaioJavaFrom(i + 1, sum + value));
    }

    private CompletionStage<Integer> rawFrom(int i, int sum) {
        if (i == timeouts) return CompletableFuture.completedFuture(sum);
        return CompletableFuture.supplyAsync(() -> i, singleThread)
                .orTimeout(LIMIT.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(value -> rawFrom(i + 1, sum + value));
    }
}
