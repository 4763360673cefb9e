package dev.kaio.java.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.resilience.BulkheadFullException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Bulkhead} from Java source: deterministic, with manually completed futures and latches. */
class BulkheadTest {
    static final long LONG_DELAY_SECONDS = 10;

    @Test
    void rejectsACallBeyondTheLimitWithoutCallingItsSupplier() throws Exception {
        Bulkhead bulkhead = Bulkhead.builder().maxConcurrentCalls(1).maxWaitingCalls(0).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> running = bulkhead.call(() -> {
            started.countDown();
            return first;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, bulkhead.activeCalls());

        AtomicInteger supplied = new AtomicInteger();
        CompletableFuture<String> rejected = bulkhead.call(() -> {
            supplied.incrementAndGet();
            return CompletableFuture.completedFuture("never");
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(BulkheadFullException.class, e.getCause());
        assertInstanceOf(RejectedExecutionException.class, e.getCause());
        assertEquals(0, supplied.get());

        first.complete("done");
        assertEquals("done", running.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, bulkhead.activeCalls());
    }

    @Test
    void aCancelledWaiterLeavesTheLine() throws Exception {
        Bulkhead bulkhead = Bulkhead.builder().maxConcurrentCalls(1).maxWaitingCalls(1).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> running = bulkhead.call(() -> {
            started.countDown();
            return first;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        AtomicInteger supplied = new AtomicInteger();
        CompletableFuture<String> waiting = bulkhead.call(() -> {
            supplied.incrementAndGet();
            return CompletableFuture.completedFuture("never");
        });
        waiting.cancel(false);
        first.complete("done");
        assertEquals("done", running.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals("next", bulkhead.call(() -> CompletableFuture.completedFuture("next")).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, supplied.get());
        assertEquals(0, bulkhead.activeCalls());
        assertEquals(0, bulkhead.waitingCalls());
    }

    @Test
    void badSettingsFailAtBuildNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bulkhead.builder().maxWaitingCalls(-1).build());
        assertEquals("maxWaitingCalls < 0: -1", e.getMessage());
    }
}
