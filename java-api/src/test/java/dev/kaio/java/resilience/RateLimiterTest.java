package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link RateLimiter} from Java source: deterministic (a rate of one per hour never refills during a test). */
class RateLimiterTest {
    static final long LONG_DELAY_SECONDS = 10;

    private static RateLimiter hourly(int burst) {
        return RateLimiter.builder().permits(1).period(Duration.ofHours(1)).burst(burst).build();
    }

    @Test
    void tryAcquireTakesTheBurstThenRefuses() {
        RateLimiter limiter = hourly(2);
        assertTrue(limiter.tryAcquire());
        assertTrue(limiter.tryAcquire());
        assertFalse(limiter.tryAcquire());
    }

    @Test
    void acquireAndCallCompleteWhileTokensLast() throws Exception {
        RateLimiter limiter = hourly(2);
        assertEquals(null, limiter.acquire().get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals("ok", limiter.call(() -> CompletableFuture.completedFuture("ok")).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertFalse(limiter.tryAcquire());
    }

    @Test
    void aCancelledWaiterNeverCallsTheSupplierAndKeepsNoToken() throws Exception {
        RateLimiter limiter = hourly(1);
        assertTrue(limiter.tryAcquire());
        CountDownLatch supplied = new CountDownLatch(1);
        CompletableFuture<String> waiting = limiter.call(() -> {
            supplied.countDown();
            return CompletableFuture.completedFuture("late");
        });
        assertFalse(waiting.isDone());
        assertTrue(waiting.cancel(false));
        assertThrows(java.util.concurrent.CancellationException.class, waiting::join);
        assertEquals(1, supplied.getCount());
        assertFalse(limiter.tryAcquire());
    }

    @Test
    void multiTokenRequestsTakeAllOrNothingAndMisuseThrowsAtOnce() throws Exception {
        RateLimiter limiter = hourly(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> limiter.acquire(4));
        assertEquals("permits 4 > burst 3: the bucket never holds that many tokens", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(0));
        assertEquals(null, limiter.acquire(2).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertFalse(limiter.tryAcquire(2), "1 left: none taken");
        CompletableFuture<Void> waiting = limiter.acquire(2);
        assertFalse(waiting.isDone());
        assertFalse(limiter.tryAcquire(1), "the token left is held back for the waiter");
        assertTrue(waiting.cancel(false));
        // The waiter leaves the line when its task, on Kaio's dispatcher, sees the cancellation.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LONG_DELAY_SECONDS);
        boolean taken = false;
        while (!taken && System.nanoTime() < deadline) {
            taken = limiter.tryAcquire(1);
            Thread.yield();
        }
        assertTrue(taken, "the cancelled request left the line and kept no token");
        assertFalse(limiter.tryAcquire(1));
    }

    @Test
    void badSettingsFailAtBuildNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().burst(0).build());
        assertEquals("burst < 1: 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().period(Duration.ZERO).build());
        assertEquals("period is not positive: 0s", e.getMessage());
    }
}
