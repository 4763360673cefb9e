package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.DeadlineExceededException;
import dev.kaio.resilience.CircuitState;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ResiliencePipeline} from Java source: deterministic, with manually completed futures. */
class ResiliencePipelineTest {
    static final long LONG_DELAY_SECONDS = 10;

    @Test
    void aBreakerSeesOneCallPerRetriedOperation() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.builder().countBasedWindow(10).minimumCalls(1).build();
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        ResiliencePipeline pipeline = ResiliencePipeline.builder()
                .circuitBreaker(breaker).retry(retry).timeout(Duration.ofHours(1)).build();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = pipeline.call(() -> calls.incrementAndGet() < 3
                ? CompletableFuture.failedFuture(new IOException("flaky"))
                : CompletableFuture.completedFuture("ok"));
        assertEquals("ok", result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(3, calls.get());
        assertEquals(1, breaker.snapshot().getCalls());
        assertEquals(0, breaker.snapshot().getFailures());
        assertEquals(CircuitState.CLOSED, breaker.state());
    }

    @Test
    void aTimeoutStageFailsWithATimeoutExceptionAndCancelsTheStage() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.builder().countBasedWindow(1).minimumCalls(1).build();
        ResiliencePipeline pipeline = ResiliencePipeline.builder()
                .circuitBreaker(breaker).timeout(Duration.ZERO).build();
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> result = pipeline.call(() -> never);
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(DeadlineExceededException.class, e.getCause());
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(never.isCancelled());
        assertEquals(CircuitState.OPEN, breaker.state(), "a timeout is a failure");
    }

    @Test
    void aNegativeTimeoutFailsAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResiliencePipeline.builder().timeout(Duration.ofSeconds(-1)).build());
        assertEquals("timeout is negative: -1s", e.getMessage());
    }
}
