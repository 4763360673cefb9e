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
 * Issue 6 echo: 100 connections, each sends a 64-byte line and waits for its echo before the next,
 * 1,000 lines per connection per invocation (one round = 100,000 messages). The server runs in this
 * JVM ({@link StreamsWorkloads#startEchoServer}); the connections stay open for the whole trial.
 * Scores are messages per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StreamsEchoBenchmark {
    static final int CLIENTS = 100;
    static final int LINES = 1_000;

    @Param({"nio", "ktor", "kaio", "kaioText", "kaioDirect"})
    public String server;

    private EchoServer echoServer;
    private EchoClients clients;

    @Setup
    public void setUp() {
        echoServer = StreamsWorkloads.startEchoServer(server, false);
        clients = new EchoClients(echoServer.getPort(), CLIENTS);
    }

    @TearDown
    public void tearDown() throws Exception {
        clients.close();
        echoServer.close();
    }

    @Benchmark
    @OperationsPerInvocation(CLIENTS * LINES)
    public long echo() {
        return clients.round(LINES);
    }
}
