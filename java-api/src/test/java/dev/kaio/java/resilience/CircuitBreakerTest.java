package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.ContextVar;
import dev.kaio.resilience.CircuitBreakerSnapshot;
import dev.kaio.resilience.CircuitOpenException;
import dev.kaio.resilience.CircuitState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CircuitBreaker} from Java source: deterministic, with manually completed futures and latches. */
class CircuitBreakerTest {
    static final long LONG_DELAY_SECONDS = 10;

    private static CircuitBreaker breaker() {
        return CircuitBreaker.builder()
                .name("inventory")
                .failureRateThreshold(50)
                .countBasedWindow(2)
                .minimumCalls(2)
                .openDuration(Duration.ofHours(1))
                .build();
    }

    @Test
    void opensAfterFailuresAndThenFailsFastWithoutCallingTheSupplier() throws Exception {
        CircuitBreaker breaker = breaker();
        List<CircuitState> states = new CopyOnWriteArrayList<>();
        AutoCloseable listener = breaker.addListener(s -> states.add(s.getState()));
        {
            for (int i = 0; i < 2; i++) {
                CompletableFuture<String> call = breaker.call(() -> CompletableFuture.failedFuture(new IOException("down")));
                ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
                assertInstanceOf(IOException.class, e.getCause());
            }
            assertEquals(CircuitState.OPEN, breaker.state());
            AtomicInteger supplied = new AtomicInteger();
            CompletableFuture<String> rejected = breaker.call(() -> {
                supplied.incrementAndGet();
                return CompletableFuture.completedFuture("never");
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            CircuitOpenException open = assertInstanceOf(CircuitOpenException.class, e.getCause());
            assertInstanceOf(RejectedExecutionException.class, open);
            assertEquals("inventory", open.getBreakerName());
            assertTrue(open.getRetryAfterNanos() > 0);
            assertTrue(open.getMessage().contains("'inventory' is OPEN"), open.getMessage());
            assertEquals(0, supplied.get());
        }
        listener.close();
        CompletableFuture<String> afterClose = breaker.call(() -> CompletableFuture.completedFuture("after close"));
        assertThrows(ExecutionException.class, () -> afterClose.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of(CircuitState.CLOSED, CircuitState.OPEN, CircuitState.OPEN), states);
        CircuitBreakerSnapshot snapshot = breaker.snapshot();
        assertEquals(2L, snapshot.getRejectedCalls());
        assertEquals("inventory", breaker.name());
    }

    @Test
    void aCancelledCallCountsAsNothing() throws Exception {
        CircuitBreaker breaker = breaker();
        CompletableFuture<String> pending = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stageCancelled = new CountDownLatch(1);
        pending.whenComplete((v, t) -> stageCancelled.countDown());
        CompletableFuture<String> call = breaker.call(() -> {
            started.countDown();
            return pending;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        call.cancel(false);
        assertTrue(stageCancelled.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertTrue(pending.isCancelled());
        CompletableFuture<String> next = breaker.call(() -> CompletableFuture.completedFuture("ok"));
        assertEquals("ok", next.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, breaker.snapshot().getCalls(), "only the successful call is in the window");
    }

    // The tests below run outside any loop: completed stages take the fast path that starts no
    // coroutine, pending ones are recorded in whenComplete on the thread that completes them.

    @Test
    void aSupplierThatThrowsIsAFailureOfTheCallRecordedAsSuch() throws Exception {
        CircuitBreaker breaker = breaker();
        IllegalStateException thrown = new IllegalStateException("thrown, not returned");
        for (int i = 0; i < 2; i++) {
            CompletableFuture<String> call = breaker.call(() -> {
                throw thrown;
            });
            assertSame(thrown, call.handle((v, failure) -> failure).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        }
        assertEquals(CircuitState.OPEN, breaker.state());
        CompletableFuture<String> nullStage = CircuitBreaker.builder().build().call(() -> null);
        ExecutionException e = assertThrows(ExecutionException.class, () -> nullStage.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(NullPointerException.class, e.getCause());
    }

    @Test
    void aPendingStageIsRecordedWhenItCompletesAndItsFailureArrivesUnwrapped() throws Exception {
        CircuitBreaker breaker = breaker();
        CompletableFuture<String> pending = new CompletableFuture<>();
        IllegalStateException failure = new IllegalStateException("from a dependent stage");
        CompletableFuture<String> call = breaker.call(() -> pending.thenApply(v -> {
            throw failure;
        }));
        assertFalse(call.isDone());
        assertEquals(0, breaker.snapshot().getCalls());
        Thread completer = new Thread(() -> pending.complete("v"));
        completer.start();
        Throwable raw = call.handle((v, t) -> t).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
        assertSame(failure, raw, "not wrapped in a CompletionException");
        assertEquals(1, breaker.snapshot().getCalls());
        assertEquals(1, breaker.snapshot().getFailures());
        CompletableFuture<String> ok = new CompletableFuture<>();
        CompletableFuture<String> second = breaker.call(() -> ok);
        ok.complete("fine");
        assertEquals("fine", second.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(CircuitState.OPEN, breaker.state(), "1 of 2 failed: 50 %");
    }

    @Test
    void cancellingAHalfOpenTrialFreesItsSlotAndCompletingFromOutsideCancelsTheStage() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.builder()
                .countBasedWindow(2).minimumCalls(2).openDuration(Duration.ofNanos(1)).build();
        for (int i = 0; i < 2; i++) {
            breaker.call(() -> CompletableFuture.failedFuture(new IOException("down")));
        }
        CompletableFuture<String> pending = new CompletableFuture<>();
        CompletableFuture<String> trial = callUntilAdmitted(breaker, () -> pending);
        assertEquals(CircuitState.HALF_OPEN, breaker.state());
        CompletableFuture<String> beyond = breaker.call(() -> CompletableFuture.completedFuture("no"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> beyond.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(CircuitState.HALF_OPEN, assertInstanceOf(CircuitOpenException.class, e.getCause()).getState());
        assertTrue(trial.cancel(false));
        assertThrows(CancellationException.class, () -> pending.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS),
                "cancelling the call cancels its stage");

        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<String> trial2 = callUntilAdmitted(breaker, () -> second); // the cancelled trial gave its slot back
        assertFalse(trial2.isDone());
        assertTrue(trial2.complete("from outside"));
        assertThrows(CancellationException.class, () -> second.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS),
                "completing the call from outside cancels its stage");
        assertEquals("ok", breaker.call(() -> CompletableFuture.completedFuture("ok")).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(CircuitState.CLOSED, breaker.state());
    }

    /**
     * Calls until the breaker lets the call through: it rejects while its 1 ns open duration lasts,
     * and while a cancelled trial has not yet given its slot back.
     */
    private static <T> CompletableFuture<T> callUntilAdmitted(CircuitBreaker breaker,
            java.util.function.Supplier<CompletableFuture<T>> supplier) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LONG_DELAY_SECONDS);
        while (System.nanoTime() < deadline) {
            CompletableFuture<T> call = breaker.call(supplier::get);
            if (!call.isCompletedExceptionally()) {
                return call;
            }
            assertThrows(ExecutionException.class, call::get);
            assertInstanceOf(CircuitOpenException.class, call.handle((v, t) -> t).get());
        }
        throw new AssertionError("the breaker never let a trial call through");
    }

    @Test
    void theSupplierSeesTheCallersContextValuesAndItsChangesStayInTheCall() throws Exception {
        ContextVar<String> user = new ContextVar<>("user", "nobody");
        ContextVar.Token<String> token = user.set("alice");
        try {
            Retry retry = Retry.builder().maxAttempts(2).fixedBackoff(Duration.ZERO).build();
            List<java.util.function.Function<java.util.function.Supplier<CompletableFuture<String>>, CompletableFuture<String>>> calls =
                    List.of(s -> breaker().call(s::get), s -> retry.call(s::get));
            for (var call : calls) {
                List<String> seen = new CopyOnWriteArrayList<>();
                CompletableFuture<String> pending = new CompletableFuture<>();
                CompletableFuture<String> result = call.apply(() -> {
                    seen.add(user.get());
                    user.set("changed by the supplier");
                    return pending;
                });
                assertEquals(List.of("alice"), seen);
                assertEquals("alice", user.get(), "the supplier runs with a copy of the caller's values");
                pending.complete("ok");
                assertEquals("ok", result.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            }
        } finally {
            user.reset(token);
        }
    }

    @Test
    void resetAndForceOpenFromJava() throws Exception {
        CircuitBreaker breaker = breaker();
        breaker.forceOpen();
        CompletableFuture<String> rejected = breaker.call(() -> CompletableFuture.completedFuture("no"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(Long.MAX_VALUE, assertInstanceOf(CircuitOpenException.class, e.getCause()).getRetryAfterNanos());
        breaker.reset();
        assertEquals(CircuitState.CLOSED, breaker.state());
        assertEquals("ok", breaker.call(() -> CompletableFuture.completedFuture("ok")).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void badSettingsFailAtBuildNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CircuitBreaker.builder().failureRateThreshold(150).build());
        assertEquals("failureRateThreshold outside (0, 100] %: 150.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CircuitBreaker.builder().openDuration(Duration.ofSeconds(-1)).build());
        assertEquals("openDuration is not positive: -1s", e.getMessage());
    }
}
