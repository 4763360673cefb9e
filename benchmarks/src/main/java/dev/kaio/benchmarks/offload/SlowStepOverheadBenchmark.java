package dev.kaio.benchmarks.offload;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of {@code SlowStepDetector} when nothing is slow, on the task benchmark of the
 * foundation issue (the Kotlin workload of {@code tasks.GatherBenchmark}): spawn and gather 10,000
 * no-op tasks on one thread, with and without the detector wrapping the loop's dispatcher.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SlowStepOverheadBenchmark {
    @Param("10000")
    public int tasks;

    @Benchmark
    public int withoutDetector() {
        return SlowStepWorkloads.withoutDetector(tasks);
    }

    @Benchmark
    public int withDetector() {
        return SlowStepWorkloads.withDetector(tasks);
    }
}
