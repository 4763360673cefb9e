package dev.kaio.benchmarks.resilience;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per-call overhead of a circuit breaker (closed) and a retry around a successful no-op call:
 * Kaio from Kotlin (suspend call) and from Java (facade, CompletableFuture), against Resilience4j
 * 2.x and Failsafe 3.x doing the same thing, synchronously and with a CompletionStage.
 *
 * <p>Failsafe's {@code getStageAsync} runs on its default scheduler (the common pool), as its users
 * get it; {@code .with(Runnable::run)} made its {@code get} return {@code null} in 3.3.2, so it is
 * not used.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar 'resilience' -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResilienceBenchmark {
    private int value = 42;
    private CompletableFuture<Integer> done;
    private Supplier<Integer> sync;
    private Supplier<java.util.concurrent.CompletionStage<Integer>> stage;

    private dev.kaio.resilience.CircuitBreaker kaioKotlinBreaker;
    private dev.kaio.resilience.Retry kaioKotlinRetry;
    private dev.kaio.java.resilience.CircuitBreaker kaioJavaBreaker;
    private dev.kaio.java.resilience.Retry kaioJavaRetry;
    private io.github.resilience4j.circuitbreaker.CircuitBreaker r4jBreaker;
    private io.github.resilience4j.retry.Retry r4jRetry;
    private ScheduledExecutorService r4jScheduler;
    private FailsafeExecutor<Integer> failsafeBreaker;
    private FailsafeExecutor<Integer> failsafeRetry;

    @Setup(Level.Trial)
    public void setUp() {
        done = CompletableFuture.completedFuture(value);
        sync = () -> value;
        stage = () -> done;

        kaioKotlinBreaker = KaioKotlinWorkloads.closedBreaker();
        kaioKotlinRetry = KaioKotlinWorkloads.retry();
        kaioJavaBreaker = dev.kaio.java.resilience.CircuitBreaker.builder()
                .name("bench").countBasedWindow(100).minimumCalls(100).build();
        kaioJavaRetry = dev.kaio.java.resilience.Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();

        r4jBreaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", CircuitBreakerConfig.custom()
                .slidingWindowSize(100).minimumNumberOfCalls(100).build());
        r4jRetry = io.github.resilience4j.retry.Retry.of("bench", RetryConfig.custom()
                .maxAttempts(3).waitDuration(Duration.ofMillis(1)).build());
        r4jScheduler = Executors.newSingleThreadScheduledExecutor();

        failsafeBreaker = Failsafe.with(dev.failsafe.CircuitBreaker.<Integer>builder()
                .withFailureRateThreshold(50, 100, Duration.ofMinutes(1)).build());
        failsafeRetry = Failsafe.with(dev.failsafe.RetryPolicy.<Integer>builder()
                .withMaxAttempts(3).build());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        r4jScheduler.shutdownNow();
    }

    // ---- circuit breaker, closed

    @Benchmark
    public int breakerKaioKotlin() {
        return KaioKotlinWorkloads.callBreaker(kaioKotlinBreaker, value);
    }

    @Benchmark
    public int breakerKaioJava() {
        return kaioJavaBreaker.call(stage).join();
    }

    @Benchmark
    public int breakerResilience4jSync() {
        return r4jBreaker.executeSupplier(sync);
    }

    @Benchmark
    public int breakerResilience4jStage() {
        return r4jBreaker.executeCompletionStage(stage).toCompletableFuture().join();
    }

    @Benchmark
    public int breakerFailsafeSync() {
        return failsafeBreaker.get(sync::get);
    }

    @Benchmark
    public int breakerFailsafeStage() {
        return failsafeBreaker.getStageAsync(stage::get).join();
    }

    // ---- retry, first attempt succeeds

    @Benchmark
    public int retryKaioKotlin() {
        return KaioKotlinWorkloads.callRetry(kaioKotlinRetry, value);
    }

    @Benchmark
    public int retryKaioJava() {
        return kaioJavaRetry.call(stage).join();
    }

    @Benchmark
    public int retryResilience4jSync() {
        return r4jRetry.executeSupplier(sync);
    }

    @Benchmark
    public int retryResilience4jStage() {
        return r4jRetry.executeCompletionStage(r4jScheduler, stage).toCompletableFuture().join();
    }

    @Benchmark
    public int retryFailsafeSync() {
        return failsafeRetry.get(sync::get);
    }

    @Benchmark
    public int retryFailsafeStage() {
        return failsafeRetry.getStageAsync(stage::get).join();
    }
}
