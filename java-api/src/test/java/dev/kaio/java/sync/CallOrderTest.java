package dev.kaio.java.sync;

import static dev.kaio.java.FutureTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Calls made one after the other from one thread wait in that order: each waiting call queues its
 * waiter before it returns. Each waiter, once served, records its number and hands over to the
 * next, so the recorded order is the order of service.
 */
class CallOrderTest {
    private static final int WAITERS = 64;

    private static List<Integer> numbersInCallOrder() {
        return IntStream.range(0, WAITERS).boxed().toList();
    }

    /**
     * Starts {@link #WAITERS} waits, numbered in call order, then {@code startService}; each wait,
     * once served, records its number and then hands over to the next with {@code handOver}.
     */
    private static <T> List<Integer> serviceOrder(Supplier<CompletableFuture<T>> waitOne, Consumer<T> handOver, Runnable startService)
            throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int n = i;
            waits.add(waitOne.get().thenAccept(served -> {
                order.add(n);
                handOver.accept(served);
            }));
        }
        startService.run();
        await(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)));
        return order;
    }

    @Test
    void lockAcquiresAreServedInCallOrder() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncLock.Holder first = await(lock.acquire());
        List<Integer> order = serviceOrder(lock::acquire, AsyncLock.Holder::release, first::release);
        assertEquals(numbersInCallOrder(), order);
        assertFalse(lock.isLocked());
    }

    @Test
    void withLockActionsRunInCallOrder() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncLock.Holder first = await(lock.acquire());
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<?>> runs = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int n = i;
            runs.add(lock.withLock(() -> {
                order.add(n);
                return CompletableFuture.completedFuture(n);
            }));
        }
        first.release();
        await(CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)));
        assertEquals(numbersInCallOrder(), order);
    }

    @Test
    void semaphoreAcquiresAreServedInCallOrder() throws Exception {
        AsyncSemaphore semaphore = AsyncSemaphore.create(0);
        List<Integer> order = serviceOrder(semaphore::acquire, served -> semaphore.release(), semaphore::release);
        assertEquals(numbersInCallOrder(), order);
        assertEquals(1, semaphore.availablePermits());
    }

    @Test
    void writeLockAcquiresAreServedInCallOrder() throws Exception {
        AsyncReadWriteLock lock = AsyncReadWriteLock.create();
        await(lock.acquireWrite());
        List<Integer> order = serviceOrder(lock::acquireWrite, served -> lock.releaseWrite(), lock::releaseWrite);
        assertEquals(numbersInCallOrder(), order);
        assertFalse(lock.isWriteLocked());
    }

    @Test
    void barrierArrivalIndexIsTheCallOrder() throws Exception {
        AsyncBarrier barrier = AsyncBarrier.create(WAITERS);
        List<CompletableFuture<Integer>> arrivals = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) arrivals.add(barrier.await());
        List<Integer> indexes = new ArrayList<>();
        for (CompletableFuture<Integer> arrival : arrivals) indexes.add(await(arrival));
        assertEquals(numbersInCallOrder(), indexes);
    }

    @Test
    void conditionWaitersAreSignalledInCallOrder() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition condition = AsyncCondition.create(lock);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int n = i;
            // The wait has given the lock up when it returns, so the next acquire succeeds at once.
            AsyncLock.Holder holder = await(lock.acquire());
            waits.add(condition.await(holder).thenRun(() -> {
                order.add(n);
                condition.signal(holder); // one at a time: waiters signalled together race for the lock
                holder.release();
            }));
        }
        AsyncLock.Holder signaller = await(lock.acquire());
        condition.signal(signaller);
        signaller.release();
        await(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)));
        assertEquals(numbersInCallOrder(), order);
        assertFalse(lock.isLocked());
    }
}
