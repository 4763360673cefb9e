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
 * Issue 3 queue pipeline: 1 producer, 4 consumers, 1,000,000 items through capacity 1,000.
 * Scores are items per second (one invocation moves all items).
 *
 * <p>{@code mode} says where the coroutine and facade pipelines run, the same for every row:
 * <ul>
 *   <li>{@code twoWorkers}: on {@code Dispatchers.Default} (Kaio's dispatcher for the Java rows),
 *       whose 2 workers run producer and consumers at the same time and hand items across threads;
 *   <li>{@code oneThread}: on one thread ({@code runBlocking}'s event loop; an {@code EventLoop}
 *       for the Java rows): the per-item cost of the queue or channel alone.
 * </ul>
 * The {@code arrayBlockingQueue} reference uses 5 platform threads in both modes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QueuePipelineBenchmark {
    static final int ITEMS = 1_000_000;
    static final int CAPACITY = 1_000;

    @Param({SyncWorkloads.TWO_WORKERS, SyncWorkloads.ONE_THREAD})
    public String mode;

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoKotlin() {
        return SyncWorkloads.kaioQueuePipeline(mode, ITEMS, CAPACITY);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoJava() throws Exception {
        return JavaQueuePipeline.kaioJava(mode, ITEMS, CAPACITY, false);
    }

    /** The Java pipeline with producer and consumers started as Kaio tasks, as the Kotlin one starts coroutines. */
    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long kaioFifoJavaSpawned() throws Exception {
        return JavaQueuePipeline.kaioJava(mode, ITEMS, CAPACITY, true);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long rawChannel() {
        return SyncWorkloads.channelPipeline(mode, ITEMS, CAPACITY);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long arrayBlockingQueue() throws Exception {
        return JavaQueuePipeline.arrayBlockingQueue(ITEMS, CAPACITY);
    }
}
