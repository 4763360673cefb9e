package dev.kaio.benchmarks.offload;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Word counting over a generated text with Kaio's {@code mapReduce} on {@code Dispatchers.Default}:
 * {@code concurrency = 1} (one map call at a time, the same code on one thread) against
 * {@code concurrency = 2} (every core of the 2-core machine), counting into a {@code HashMap}
 * ({@code compact = false}) or into {@link WordCounts} ({@code compact = true}). Time per
 * operation is one full count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MapReduceBenchmark {
    @Param("50")
    public int megabytes;

    @Param({"1", "2"})
    public int concurrency;

    @Param({"false", "true"})
    public boolean compact;

    private List<String> chunks;

    @Setup
    public void setUp() {
        chunks = WordCountWorkloads.generate(megabytes, 42);
    }

    @Benchmark
    public int wordCount() {
        return WordCountWorkloads.kaioMapReduce(chunks, concurrency, compact);
    }
}
