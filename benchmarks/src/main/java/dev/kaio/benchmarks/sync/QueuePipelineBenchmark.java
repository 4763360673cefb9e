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
 * Issue 3 queue pipeline: 1 producer, 4 consumers, 1,000,000 items through capacity 1,000.
 * Scores are items per second (one invocation moves all items).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QueuePipelineBenchmark {
    static final int ITEMS = 1_000_000;
    static final int CAPACITY = 1_000;

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoKotlin() {
        return SyncWorkloads.kaioQueuePipeline(ITEMS, CAPACITY);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoJava() throws Exception {
        return JavaQueuePipeline.kaioJava(ITEMS, CAPACITY, false);
    }

    /** The Java pipeline with producer and consumers started as Kaio tasks, as the Kotlin one runs. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoJavaSpawned() throws Exception {
        return JavaQueuePipeline.kaioJava(ITEMS, CAPACITY, true);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long rawChannel() {
        return SyncWorkloads.channelPipeline(ITEMS, CAPACITY);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long arrayBlockingQueue() throws Exception {
        return JavaQueuePipeline.arrayBlockingQueue(ITEMS, CAPACITY);
    }
}
