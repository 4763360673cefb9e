package dev.kaio.benchmarks.tasks;

import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * Spawn and gather 10,000 no-op tasks, each on one thread: Kaio's Kotlin API and raw kotlinx in
 * runBlocking's loop, the Java facade in an {@link EventLoop}, and raw {@code CompletableFuture}s
 * submitted to a single-thread executor and joined with {@code allOf}. Time per operation is for
 * all 10,000 tasks; divide by 10,000 for the cost of one task.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GatherBenchmark {
    @Param("10000")
    public int tasks;

    private List<Supplier<CompletionStage<Integer>>> suppliers;
    private ExecutorService singleThread;

    @Setup
    public void setUp() {
        suppliers = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            Integer value = i;
            suppliers.add(() -> CompletableFuture.completedFuture(value));
        }
        singleThread = Executors.newSingleThreadExecutor();
    }

    @TearDown
    public void tearDown() {
        singleThread.shutdownNow();
    }

    @Benchmark
    public int kaioKotlin() {
        return GatherWorkloads.kaioKotlin(tasks);
    }

    @Benchmark
    public int kaioKotlinSpawnInLoop() {
        return GatherWorkloads.kaioKotlinSpawnInLoop(tasks);
    }

    @Benchmark
    public int kaioKotlinSpawnOnSupervisorInLoop() {
        return GatherWorkloads.kaioKotlinSpawnOnSupervisorInLoop(tasks);
    }

    @Benchmark
    public int rawKotlinxInLoop() {
        return GatherWorkloads.rawKotlinxInLoop(tasks);
    }

    @Benchmark
    public int rawKotlinx() {
        return GatherWorkloads.rawKotlinx(tasks);
    }

    @Benchmark
    public int kaioJava() throws Exception {
        return EventLoop.run(() -> Tasks.gather(suppliers)).size();
    }

    /** Java's {@code create_task} idiom: N {@code Tasks.spawn} futures joined with {@code allOf}, in an {@code EventLoop}. */
    @Benchmark
    public int kaioJavaSpawnInLoop() throws Exception {
        return EventLoop.run(() -> {
            @SuppressWarnings("unchecked")
            CompletableFuture<Integer>[] futures = new CompletableFuture[tasks];
            for (int i = 0; i < tasks; i++) {
                futures[i] = Tasks.spawn(suppliers.get(i));
            }
            return CompletableFuture.allOf(futures).thenApply(ignored -> futures.length);
        });
    }

    @Benchmark
    public int kaioJavaOnCallerThread() {
        return GatherWorkloads.kaioJavaOnCallerThread(suppliers);
    }

    @Benchmark
    public int rawCompletableFuture() {
        @SuppressWarnings("unchecked")
        CompletableFuture<Integer>[] futures = new CompletableFuture[tasks];
        for (int i = 0; i < tasks; i++) {
            Integer value = i;
            futures[i] = CompletableFuture.supplyAsync(() -> value, singleThread);
        }
        CompletableFuture.allOf(futures).join();
        List<Integer> results = new ArrayList<>(tasks);
        for (CompletableFuture<Integer> future : futures) {
            results.add(future.join());
        }
        return results.size();
    }
}
