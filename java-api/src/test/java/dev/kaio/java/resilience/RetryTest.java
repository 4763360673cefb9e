package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.DeadlineExceededException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Retry} from Java source: deterministic, with manually completed futures and latches. */
class RetryTest {
    static final long LONG_DELAY_SECONDS = 10;

    @Test
    void retriesUntilTheStageSucceeds() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = retry.call(() -> calls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new IOException("first"))
                : CompletableFuture.completedFuture("second"));
        assertEquals("second", result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, calls.get());
    }

    @Test
    void failsWithTheLastFailureItselfAndTheEarlierOnesSuppressed() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        List<IOException> failures = List.of(new IOException("1"), new IOException("2"), new IOException("3"));
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = retry.call(() -> CompletableFuture.failedFuture(failures.get(calls.getAndIncrement())));
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertSame(failures.get(2), e.getCause());
        assertArrayEquals(new Throwable[] {failures.get(0), failures.get(1)}, e.getCause().getSuppressed());
        Throwable raw = result.handle((value, failure) -> failure).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
        assertSame(failures.get(2), raw, "not wrapped in a CompletionException");
    }

    @Test
    void aSupplierThatThrowsFailsTheAttempt() throws Exception {
        Retry retry = Retry.builder().maxAttempts(2).fixedBackoff(Duration.ZERO).retryOn(IllegalStateException.class).build();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = retry.call(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("thrown, not returned");
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(2, calls.get());
    }

    @Test
    void cancellingTheFutureCancelsTheRunningAttempt() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        CompletableFuture<String> attempt = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch attemptCancelled = new CountDownLatch(1);
        attempt.whenComplete((v, t) -> {
            if (attempt.isCancelled()) attemptCancelled.countDown();
        });
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = retry.call(() -> {
            calls.incrementAndGet();
            started.countDown();
            return attempt;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertTrue(result.cancel(false));
        assertTrue(attemptCancelled.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, calls.get());
    }

    @Test
    void anAttemptTimeoutFailsWithATimeoutException() throws Exception {
        Retry retry = Retry.builder().maxAttempts(1).attemptTimeout(Duration.ZERO).build();
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> result = retry.call(() -> never);
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(DeadlineExceededException.class, e.getCause());
        assertInstanceOf(TimeoutException.class, e.getCause());
    }

    @Test
    void badSettingsFailAtBuildNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Retry.builder().maxAttempts(0).build());
        assertEquals("maxAttempts < 1: 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Retry.builder().exponentialBackoff(Duration.ofMillis(10), 0.5).build());
        assertEquals("exponentialBackoff factor < 1: 0.5", e.getMessage());
    }
}
