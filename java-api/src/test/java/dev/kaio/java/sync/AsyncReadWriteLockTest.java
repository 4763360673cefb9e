package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncReadWriteLock} from Java. */
class AsyncReadWriteLockTest {
    static final long LONG_DELAY_MS = 10_000;

    /** The facade runs each waiting call as a task; this waits (no sleep) until it is queued. */
    private static void awaitState(AsyncReadWriteLock lock, String state) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONG_DELAY_MS);
        while (!lock.toString().contains(state)) {
            if (System.nanoTime() > deadline) throw new AssertionError("never reached " + state + ": " + lock);
            Thread.yield();
        }
    }

    @Test
    void readersShareWritersExcludeAndAreNotStarved() throws Exception {
        AsyncReadWriteLock lock = AsyncReadWriteLock.create();
        lock.acquireRead().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        lock.acquireRead().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(2, lock.readers());
        CompletableFuture<Void> writer = lock.acquireWrite();
        awaitState(lock, "waiting=1"); // the facade's task has queued the writer
        CompletableFuture<Void> lateReader = lock.acquireRead();
        assertFalse(writer.isDone());
        assertFalse(lateReader.isDone(), "a new reader queues behind the waiting writer");
        lock.releaseRead();
        lock.releaseRead();
        writer.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertTrue(lock.isWriteLocked());
        assertFalse(lateReader.isDone());
        lock.releaseWrite();
        lateReader.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        lock.releaseRead();
        assertThrows(IllegalStateException.class, lock::releaseRead);
        assertThrows(IllegalStateException.class, lock::releaseWrite);
    }

    @Test
    void withWriteLockReleases() throws Exception {
        AsyncReadWriteLock lock = AsyncReadWriteLock.create();
        assertEquals("w", lock.withWriteLock(() -> CompletableFuture.completedFuture("w")).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertFalse(lock.isWriteLocked());
        assertEquals("r", lock.withReadLock(() -> CompletableFuture.completedFuture("r")).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertEquals(0, lock.readers());
    }
}
