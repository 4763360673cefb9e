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
 * The cost of {@code SlowStepDetector} when nothing is slow: spawn and gather 10,000 tasks that
 * each yield once (two steps per task) on one thread, with and without the detector installed,
 * and with and without context variables.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SlowStepOverheadBenchmark {
    @Param("10000")
    public int tasks;

    @Param({"false", "true"})
    public boolean detect;

    /** With a ContextVar element too, as in EventLoop.run, where both are thread-context elements. */
    @Param({"false", "true"})
    public boolean contextVars;

    @Benchmark
    public int gather() {
        return SlowStepWorkloads.gather(tasks, detect, contextVars);
    }
}
