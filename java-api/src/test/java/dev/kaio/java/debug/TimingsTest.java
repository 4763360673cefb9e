package dev.kaio.java.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.debug.TimingStats;
import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Timings} from Java source; each test records under names of its own (the store is shared). */
class TimingsTest {
    private static final long LONG_DELAY_SECONDS = 10;

    @Test
    void timedCompletesWithTheStageValueAndCountsIt() throws Exception {
        CompletableFuture<String> done = Timings.timed("java-ok", () -> CompletableFuture.completedFuture("v"));
        assertEquals("v", done.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        TimingStats stats = Timings.stats("java-ok");
        assertEquals(1, stats.getCount());
        assertEquals(0, stats.getFailures());
        assertTrue(Timings.snapshot().containsKey("java-ok"));
    }

    @Test
    void aFailedStageFailsTheFutureUnwrappedAndIsCountedAsAFailure() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<String> failed = Timings.timed("java-failed", () -> CompletableFuture.failedFuture(boom));
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> failed.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertSame(boom, thrown.getCause());
        assertEquals(1, Timings.stats("java-failed").getFailures());
    }

    @Test
    void cancellingTheFutureCancelsTheStageAndCountsACancellation() throws Exception {
        CompletableFuture<String> never = new CompletableFuture<>();
        // the loop awaits every task it started before run returns: the cancelled one is recorded by then
        EventLoop.run(() -> {
            CompletableFuture<String> timed = Timings.timed("java-cancelled", () -> never);
            // one loop turn later the timed task waits on `never`: cancel it there
            return Tasks.sleep(Duration.ZERO).thenApply(ignored -> timed.cancel(true));
        });
        assertTrue(never.isCancelled());
        TimingStats stats = Timings.stats("java-cancelled");
        assertEquals(1, stats.getCount());
        assertEquals(1, stats.getCancellations());
    }

    @Test
    void misuseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Timings.timed("", () -> CompletableFuture.completedFuture(1)));
        assertThrows(NullPointerException.class, () -> Timings.timed("x", null));
        assertNull(Timings.stats("java-never-recorded"));
    }
}
