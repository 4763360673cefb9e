package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.DeadlineExceededException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
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

    // Outside any loop the first attempt starts no coroutine; a task runs only once a retry is due.

    /** Calls {@code retry} with a supplier that counts its calls and returns {@code stage} each time. */
    private static <T> CompletableFuture<T> callCounting(Retry retry, AtomicInteger calls, CompletableFuture<T> stage) {
        return retry.call(() -> {
            calls.incrementAndGet();
            return stage;
        });
    }

    @Test
    void aPendingFirstAttemptThatFailsIsRetried() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        IOException failure = new IOException("first");
        CompletableFuture<String> result = retry.call(() -> calls.incrementAndGet() == 1
                ? first
                : CompletableFuture.completedFuture("second"));
        assertFalse(result.isDone());
        Thread completer = new Thread(() -> first.completeExceptionally(failure));
        completer.start();
        assertEquals("second", result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, calls.get());
    }

    @Test
    void aPendingFirstAttemptThatSucceedsCompletesTheCall() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = callCounting(retry, calls, first);
        first.complete("first");
        assertEquals("first", result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, calls.get());
    }

    @Test
    void aResultToRetryOnACompletedStageIsRetried() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).retryOnResult(v -> v.equals(503)).build();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Integer> result = retry.call(() -> CompletableFuture.completedFuture(calls.incrementAndGet() < 3 ? 503 : 200));
        assertEquals(200, result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(3, calls.get());
    }

    @Test
    void aCancelledFirstStageCancelsTheCallAndIsNotRetried() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ZERO).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = callCounting(retry, calls, first);
        first.cancel(false);
        assertThrows(CancellationException.class, () -> result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertTrue(result.isCancelled());
        assertEquals(1, calls.get());
        CompletableFuture<String> thrown = retry.call(() -> {
            throw new CancellationException("gone");
        });
        assertThrows(CancellationException.class, () -> thrown.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertTrue(thrown.isCancelled(), "a CancellationException from the supplier cancels the call");
    }

    @Test
    void cancellingDuringTheBackoffAfterAPendingFirstAttemptStopsTheCall() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).fixedBackoff(Duration.ofHours(1)).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> result = callCounting(retry, calls, first);
        first.completeExceptionally(new IOException("first"));
        assertFalse(result.isDone(), "in the backoff");
        assertTrue(result.cancel(false));
        assertTrue(result.isCancelled());
        assertEquals(1, calls.get());
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
