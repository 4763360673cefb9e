package dev.kaio.benchmarks.sync;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 3: 1,000 tasks x 1,000 increments under a lock and under a semaphore of 100 permits, Kaio
 * against raw kotlinx. Scores are critical sections per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LockSemaphoreBenchmark {
    static final int TASKS = 1_000;
    static final int INCREMENTS = 1_000;

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kaioLock() {
        return SyncWorkloads.kaioLockCounter(TASKS, INCREMENTS);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kotlinxMutex() {
        return SyncWorkloads.mutexCounter(TASKS, INCREMENTS);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kaioSemaphore100() {
        return SyncWorkloads.kaioSemaphoreCounter(TASKS, INCREMENTS, 100);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * INCREMENTS)
    public long kotlinxSemaphore100() {
        return SyncWorkloads.kotlinxSemaphoreCounter(TASKS, INCREMENTS, 100);
    }
}
