package dev.kaio.benchmarks.sync;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 3: 1,000 tasks x 1,000 increments under a lock and under a semaphore of 100 permits, Kaio
 * against raw kotlinx. Scores are critical sections per second.
 *
 * <p>{@code mode} says where the tasks run, the same for both libraries:
 * <ul>
 *   <li>{@code twoWorkers}: launched from the benchmark thread onto {@code Dispatchers.Default}; both
 *       workers take tasks from the global queue and run them at once, so two threads contend on
 *       the primitive's state (the semaphore's word, the lock's state and its wait queue);
 *   <li>{@code oneThread}: all on the benchmark thread ({@code runBlocking}'s event loop): the
 *       uncontended acquire/release cost, with no cross-thread traffic.
 * </ul>
 * The original form (launched from a {@code runBlocking(Dispatchers.Default)} coroutine)
 * behaves as {@code twoWorkers}: both workers ran about half of the tasks each, overlapping.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LockSemaphoreBenchmark {
    static final int TASKS = 1_000;
    static final int INCREMENTS = 1_000;

    @Param({SyncWorkloads.TWO_WORKERS, SyncWorkloads.ONE_THREAD})
    public String mode;

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kaioLock() {
        return SyncWorkloads.kaioLockCounter(mode, TASKS, INCREMENTS);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kotlinxMutex() {
        return SyncWorkloads.mutexCounter(mode, TASKS, INCREMENTS);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kaioSemaphore100() {
        return SyncWorkloads.kaioSemaphoreCounter(mode, TASKS, INCREMENTS, 100);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kotlinxSemaphore100() {
        return SyncWorkloads.kotlinxSemaphoreCounter(mode, TASKS, INCREMENTS, 100);
    }
}
