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
    void badSettingsFailAtBuildNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().burst(0).build());
        assertEquals("burst < 1: 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RateLimiter.builder().period(Duration.ZERO).build());
        assertEquals("period is not positive: 0s", e.getMessage());
    }
}
