package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.resilience.CircuitBreakerSnapshot;
import dev.kaio.resilience.CircuitOpenException;
import dev.kaio.resilience.CircuitState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
