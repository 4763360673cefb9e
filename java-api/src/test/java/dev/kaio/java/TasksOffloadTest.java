package dev.kaio.java;

import static dev.kaio.java.FutureTesting.LONG_DELAY_SECONDS;
import static dev.kaio.java.FutureTesting.await;
import static dev.kaio.java.FutureTesting.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Tasks#toThread} and {@link Tasks#runIn} from Java source, on real threads, synchronised by latches. */
class TasksOffloadTest {
    @Test
    void toThreadRunsTheCallableOnAnotherThread() throws Exception {
        Thread caller = Thread.currentThread();
        assertNotSame(caller, await(Tasks.toThread(Thread::currentThread)));
    }

    @Test
    void toThreadUsesVirtualThreadsWhereTheJdkHasThem() throws Exception {
        boolean jdkHasVirtualThreads = Runtime.version().feature() >= 21;
        Thread worker = await(Tasks.toThread(Thread::currentThread));
        assertEquals(jdkHasVirtualThreads, worker.toString().startsWith("VirtualThread"), worker.toString());
    }

    @Test
    void aCheckedExceptionArrivesUnwrapped() throws Exception {
        IOException disk = new IOException("disk on fire");
        assertEquals(disk, failureOf(Tasks.toThread(() -> { throw disk; })));
    }

    @Test
    void cancellingTheFutureInterruptsTheBlockingCall() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<String> sleeper = Tasks.toThread(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
                return "woke up";
            } catch (InterruptedException success) {
                interrupted.countDown();
                throw success;
            }
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        sleeper.cancel(false);
        assertTrue(interrupted.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS), "the sleeping thread was interrupted");
        assertTrue(sleeper.isCancelled());
    }

    @Test
    void runInUsesTheCallersExecutorAndInterruptsItsThreadOnCancel() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "callers-pool"));
        try {
            assertTrue(await(Tasks.runIn(pool, () -> Thread.currentThread().getName())).startsWith("callers-pool"));
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch interrupted = new CountDownLatch(1);
            CompletableFuture<Void> sleeper = Tasks.runIn(pool, () -> {
                started.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException success) {
                    interrupted.countDown();
                    throw success;
                }
                return null;
            });
            assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            sleeper.cancel(true);
            assertTrue(interrupted.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            assertFalse(await(Tasks.runIn(pool, () -> Thread.currentThread().isInterrupted())), "the interrupt did not leak");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRejectingExecutorCancelsTheFuture() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        CompletableFuture<String> rejected = Tasks.runIn(pool, () -> "ran");
        assertInstanceOf(java.util.concurrent.CancellationException.class, failureOf(rejected));
    }
}
