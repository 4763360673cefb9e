package dev.kaio.benchmarks.streams;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Issue 6 bulk: one connection pushes 1 GiB through the echo server (a writer thread) and reads it
 * back at the same time (the benchmark thread). Scores are MiB per second (one operation = 1 MiB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StreamsBulkBenchmark {
    static final int MIB = 1024;

    @Param({"nio", "ktor", "kaio", "kaioDirect"})
    public String server;

    private EchoServer echoServer;

    @Setup
    public void setUp() {
        echoServer = StreamsWorkloads.startEchoServer(server, true);
    }

    @TearDown
    public void tearDown() throws Exception {
        echoServer.close();
    }

    @Benchmark
    @OperationsPerInvocation(MIB)
    public long bulk() {
        return StreamsWorkloads.bulkTransfer(echoServer.getPort(), MIB);
    }
}
