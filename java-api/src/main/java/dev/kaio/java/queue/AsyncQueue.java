package dev.kaio.java.queue;

import dev.kaio.interop.QueueInterop;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous queue with task accounting: asyncio's {@code Queue}, {@code LifoQueue} and
 * {@code PriorityQueue} (Kotlin: {@code dev.kaio.queue.AsyncQueue}) for Java. Waiting means a
 * {@link CompletableFuture}, never a parked thread.
 *
 * <p><b>Policies.</b> {@link #fifo(int)}, {@link #lifo(int)} or {@link #priority(int, Comparator)}
 * order, bounded by a positive capacity or {@link #UNBOUNDED}. Producers {@link #put} (pending while
 * full) and consumers {@link #get} (pending while empty) and call {@link #taskDone()} for each item
 * they finish; {@link #join()} completes when every item put has been marked done. Null items are
 * refused with {@link NullPointerException}.
 *
 * <p><b>Fairness.</b> Pending puts and pending gets are each served first-in, first-out; an item
 * put while gets are pending goes straight to the first of them. {@link #tryPut} and
 * {@link #tryGet} never barge ahead of pending callers.
 *
 * <p><b>Shutdown</b> (asyncio 3.13): after {@link #shutdown()} puts fail with
 * {@link dev.kaio.queue.QueueShutdownException}, gets return the items left and then fail with it;
 * after {@link #shutdown(boolean) shutdown(true)} the items left are dropped, their tasks count as
 * done (releasing {@link #join()} if none is left), and pending puts and gets fail at once.
 *
 * <p><b>Cancellation (nothing lost).</b> Cancelling the future of a pending {@link #get()} removes
 * no item; if the item had just been handed to it, it goes back to the head of the queue.
 * Cancelling the future of a pending {@link #put} inserts nothing; if the item had just been
 * accepted, it is taken out again unless a consumer already has it (then it was delivered once, as
 * every item is).
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Cost.</b> A fifo queue's put and get take no lock while nobody waits, the queue is not shut
 * down and its items fit in its ring (the first 1,024): one compare-and-set each. Waiting, shutdown,
 * items beyond the ring, and lifo and priority queues go through the queue's monitor.
 *
 * <p><b>Memory consistency.</b> Actions before a put happen-before the completion of the get that
 * returns the item; a {@link #taskDone()} happens-before the completion of a join it releases.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * AsyncQueue<String> urls = AsyncQueue.fifo(100);
 * urls.put("https://example.com");
 * urls.get().thenCompose(url -> fetch(url)).whenComplete((page, error) -> urls.taskDone());
 * urls.join().thenRun(() -> System.out.println("all done"));
 * }</pre>
 *
 * @param <E> the item type
 */
public final class AsyncQueue<E> {
    /** The capacity of an unbounded queue, {@link Integer#MAX_VALUE}. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    private final dev.kaio.queue.AsyncQueue<E> queue;

    private AsyncQueue(dev.kaio.queue.AsyncQueue<E> queue) {
        this.queue = queue;
    }

    /**
     * Creates an unbounded first-in, first-out queue.
     *
     * @param <E> the item type
     * @return a new queue
     */
    public static <E> AsyncQueue<E> fifo() {
        return fifo(UNBOUNDED);
    }

    /**
     * Creates a first-in, first-out queue, asyncio's {@code Queue}.
     *
     * @param capacity a positive bound, or {@link #UNBOUNDED}
     * @param <E> the item type
     * @return a new queue
     * @throws IllegalArgumentException if {@code capacity} is 0 or negative
     */
    public static <E> AsyncQueue<E> fifo(int capacity) {
        return new AsyncQueue<>(dev.kaio.queue.AsyncQueue.Companion.fifo(capacity));
    }

    /**
     * Creates an unbounded last-in, first-out queue.
     *
     * @param <E> the item type
     * @return a new queue
     */
    public static <E> AsyncQueue<E> lifo() {
        return lifo(UNBOUNDED);
    }

    /**
     * Creates a last-in, first-out queue, asyncio's {@code LifoQueue}.
     *
     * @param capacity a positive bound, or {@link #UNBOUNDED}
     * @param <E> the item type
     * @return a new queue
     * @throws IllegalArgumentException if {@code capacity} is 0 or negative
     */
    public static <E> AsyncQueue<E> lifo(int capacity) {
        return new AsyncQueue<>(dev.kaio.queue.AsyncQueue.Companion.lifo(capacity));
    }

    /**
     * Creates an unbounded priority queue.
     *
     * @param comparator the order; the smallest item comes out first, equal items in put order
     * @param <E> the item type
     * @return a new queue
     */
    public static <E> AsyncQueue<E> priority(Comparator<? super E> comparator) {
        return priority(UNBOUNDED, comparator);
    }

    /**
     * Creates a priority queue, asyncio's {@code PriorityQueue}.
     *
     * @param capacity a positive bound, or {@link #UNBOUNDED}
     * @param comparator the order; the smallest item comes out first, equal items in put order
     * @param <E> the item type
     * @return a new queue
     * @throws IllegalArgumentException if {@code capacity} is 0 or negative
     */
    public static <E> AsyncQueue<E> priority(int capacity, Comparator<? super E> comparator) {
        Objects.requireNonNull(comparator, "comparator");
        return new AsyncQueue<>(dev.kaio.queue.AsyncQueue.Companion.priority(capacity, comparator));
    }

    /**
     * Adds {@code item}, waiting first-in, first-out while the queue is full.
     *
     * @param item the item, not null
     * @return a future completed once the item is in the queue (already, if there was room); it
     *     fails with {@link dev.kaio.queue.QueueShutdownException} if the queue is or becomes shut
     *     down; cancelling it withdraws the put (see the class comment)
     * @throws NullPointerException if {@code item} is null
     */
    public CompletableFuture<Void> put(E item) {
        return QueueInterop.queuePut(queue, item);
    }

    /**
     * Adds {@code item} if there is room.
     *
     * @param item the item, not null
     * @return false if the queue is full
     * @throws NullPointerException if {@code item} is null
     * @throws dev.kaio.queue.QueueShutdownException if the queue is shut down
     */
    public boolean tryPut(E item) {
        return QueueInterop.queueTryPut(queue, item);
    }

    /**
     * Removes the next item, waiting first-in, first-out while the queue is empty.
     *
     * @return a future of the item; it fails with {@link dev.kaio.queue.QueueShutdownException} if
     *     the queue is shut down and empty (now or later); cancelling it removes nothing
     */
    public CompletableFuture<E> get() {
        return QueueInterop.queueGet(queue);
    }

    /**
     * Removes the next item if there is one.
     *
     * @return the item, or {@code null} if the queue is empty
     * @throws dev.kaio.queue.QueueShutdownException if the queue is shut down and empty
     */
    public E tryGet() {
        return queue.tryGet();
    }

    /**
     * Marks one item taken with {@link #get()} as finished.
     *
     * @throws IllegalStateException if called more often than items were put
     */
    public void taskDone() {
        queue.taskDone();
    }

    /**
     * Waits until every item put so far has been marked with {@link #taskDone()}.
     *
     * @return a future completed then; cancelling it only stops this wait
     */
    public CompletableFuture<Void> join() {
        return QueueInterop.queueJoin(queue);
    }

    /** Shuts the queue down gracefully: gets drain the items left, then fail; puts fail. */
    public void shutdown() {
        queue.shutdown(false);
    }

    /**
     * Shuts the queue down.
     *
     * @param immediate true to drop the items left (counting them done) instead of letting gets
     *     drain them
     */
    public void shutdown(boolean immediate) {
        queue.shutdown(immediate);
    }

    /**
     * The items held now.
     *
     * @return the size
     */
    public int size() {
        return queue.getSize();
    }

    /**
     * The bound of this queue.
     *
     * @return the capacity, or {@link #UNBOUNDED}
     */
    public int capacity() {
        return queue.getCapacity();
    }

    /**
     * Tells whether no item is held.
     *
     * @return true when empty
     */
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * Tells whether a bounded queue has reached its capacity.
     *
     * @return true when full; never for an unbounded queue
     */
    public boolean isFull() {
        return queue.isFull();
    }

    /**
     * Tells whether the queue was shut down.
     *
     * @return true after {@link #shutdown()}
     */
    public boolean isShutdown() {
        return queue.isShutdown();
    }

    /**
     * Items put and not yet marked done.
     *
     * @return the unfinished task count
     */
    public long unfinishedTasks() {
        return queue.getUnfinishedTasks();
    }

    @Override
    public String toString() {
        return queue.toString();
    }
}
