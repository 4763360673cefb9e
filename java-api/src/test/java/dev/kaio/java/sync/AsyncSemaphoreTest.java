package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncSemaphore} from Java. */
class AsyncSemaphoreTest {
    static final long LONG_DELAY_MS = 10_000;

    @Test
    void multiPermitAcquireWaitsFifo() throws Exception {
        AsyncSemaphore sem = AsyncSemaphore.create(2);
        sem.acquire(2).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        CompletableFuture<Void> big = sem.acquire(2);
        CompletableFuture<Void> small = sem.acquire(1);
        sem.release();
        assertFalse(big.isDone());
        assertFalse(small.isDone(), "the small request does not overtake the big one");
        sem.release();
        big.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        sem.release(2);
        small.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(1, sem.availablePermits());
    }

    @Test
    void cancelledAcquireKeepsNoPermit() throws Exception {
        AsyncSemaphore sem = AsyncSemaphore.create(0);
        CompletableFuture<Void> waiting = sem.acquire();
        assertTrue(waiting.cancel(false));
        sem.release();
        // if the permit reached the cancelled waiter first, the facade hands it back: a new acquire gets it
        sem.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(0, sem.availablePermits());
    }

    @Test
    void boundedRefusesExtraReleasesPlainAcceptsThem() {
        AsyncSemaphore plain = AsyncSemaphore.create(1);
        plain.release();
        assertEquals(2, plain.availablePermits());
        AsyncSemaphore bounded = AsyncSemaphore.bounded(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, bounded::release);
        assertTrue(e.getMessage().contains("too many"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plain.acquire(0));
    }

    @Test
    void withPermitReleasesAfterTheAction() throws Exception {
        AsyncSemaphore sem = AsyncSemaphore.create(1);
        assertEquals(42, sem.withPermit(() -> CompletableFuture.completedFuture(42)).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertEquals(1, sem.availablePermits());
    }
}
