package dev.kaio.java;

import dev.kaio.Outcome;
import dev.kaio.ReturnWhen;
import dev.kaio.WaitResult;
import dev.kaio.interop.OffloadInterop;
import dev.kaio.interop.TaskInterop;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * asyncio's task functions for Java: {@code create_task}, {@code sleep}, {@code gather},
 * {@code as_completed}, {@code wait}, {@code timeout} and {@code shield}, as
 * {@link CompletableFuture} APIs with the semantics of Kaio's Kotlin core.
 *
 * <p><b>Tasks are suppliers.</b> Work that Kaio starts is given as a
 * {@code Supplier<CompletionStage<T>>}: Kaio calls it inside a task and the returned stage belongs to
 * that task. Futures passed in as values ({@link #gatherFutures}, {@link #asCompleted}, {@link #wait})
 * are the caller's handles.
 *
 * <p><b>Cancellation goes both ways.</b> {@code cancel(…)} (or {@code complete}/{@code completeExceptionally})
 * on a returned future cancels the task behind it; its {@code finally} blocks run, and a stage that a
 * supplier returned is cancelled too. The {@code mayInterruptIfRunning} flag has no effect, as for
 * every {@code CompletableFuture}. A task cancelled from inside completes its future as cancelled.
 *
 * <p><b>Failures arrive unwrapped.</b> A returned future fails with the task's own exception, never
 * with a {@link java.util.concurrent.CompletionException} around it (as seen by {@code whenComplete},
 * {@code exceptionally}, {@code handle}; {@code join()} and {@code get()} still wrap, as the JDK
 * defines). Timeouts fail with {@link java.util.concurrent.TimeoutException}
 * ({@link dev.kaio.DeadlineExceededException}).
 *
 * <p><b>Threads.</b> Inside {@link EventLoop#run}, tasks run on the loop's one thread and returned
 * futures complete there. Outside a loop, tasks run on {@code Dispatchers.Default}; {@code *Async}
 * dependents without an executor use the same threads, never the common {@code ForkJoinPool}.
 * No method parks the calling thread, except {@link EventLoop#run}.
 */
public final class Tasks {
    private Tasks() {}

    /**
     * Starts {@code task} as a new task, asyncio's {@code create_task}. It is scheduled, not run on
     * the calling thread.
     *
     * <p><b>Failure nobody retrieves.</b> As in asyncio ("Task exception was never retrieved"):
     * inside an {@link EventLoop}, if the task fails (not a cancellation) and nobody reads the
     * failure from the returned future (no {@code get}, {@code join}, {@code getNow}, and no
     * dependent stage such as {@code whenComplete}, {@code handle}, {@code exceptionally} or
     * {@code thenApply}, before or after the failure), a warning with the task's name and
     * exception is logged through SLF4J when the loop ends. Tasks spawned outside a loop are not
     * checked.
     *
     * @return a future of the task's result; cancelling it cancels the task
     */
    public static <T> CompletableFuture<T> spawn(Supplier<? extends CompletionStage<T>> task) {
        return TaskInterop.spawn(null, Objects.requireNonNull(task, "task"));
    }

    /** Like {@link #spawn(Supplier)}, naming the task (shown in debug logs and task dumps). */
    public static <T> CompletableFuture<T> spawn(String name, Supplier<? extends CompletionStage<T>> task) {
        return TaskInterop.spawn(Objects.requireNonNull(name, "name"), Objects.requireNonNull(task, "task"));
    }

    /**
     * A future that completes with {@code null} after {@code duration}, without holding a thread.
     * {@code Duration.ZERO} yields once. Cancelling the future cancels the timer.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public static CompletableFuture<Void> sleep(Duration duration) {
        return TaskInterop.sleep(Objects.requireNonNull(duration, "duration"));
    }

    /**
     * Runs every task concurrently and completes with their results in argument order.
     *
     * <p>The first task to fail (in time) cancels the others; the future fails with that exception
     * only after every task has finished. Cancelling the returned future cancels every task. With no
     * tasks it completes with an empty list.
     */
    public static <T> CompletableFuture<List<T>> gather(List<? extends Supplier<? extends CompletionStage<? extends T>>> tasks) {
        return TaskInterop.gather(List.copyOf(Objects.requireNonNull(tasks, "tasks")));
    }

    /** {@link #gather(List)} with the tasks as arguments. */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, copied into an immutable list
    public static <T> CompletableFuture<List<T>> gather(Supplier<? extends CompletionStage<? extends T>>... tasks) {
        return gather(List.of(tasks));
    }

    /**
     * Waits for futures that are already running and completes with their results in argument
     * order. The first failure cancels the other futures (they are handed to {@code gather}, as in
     * asyncio) and fails the result once they have all completed; cancelling the result cancels them.
     */
    public static <T> CompletableFuture<List<T>> gatherFutures(List<? extends CompletionStage<? extends T>> futures) {
        return TaskInterop.gatherFutures(List.copyOf(Objects.requireNonNull(futures, "futures")));
    }

    /**
     * Runs every task concurrently and completes with how each one ended, in argument order,
     * asyncio's {@code gather(return_exceptions=True)}: a failing task does not cancel the others.
     * Cancelling the returned future cancels every task.
     */
    public static <T> CompletableFuture<List<Outcome<T>>> gatherSettled(
            List<? extends Supplier<? extends CompletionStage<? extends T>>> tasks) {
        return TaskInterop.gatherSettled(List.copyOf(Objects.requireNonNull(tasks, "tasks")));
    }

    /**
     * asyncio's {@code as_completed}: returns one future per input, where the i-th completes with
     * the result (or failure) of the i-th input to finish.
     *
     * <p>When {@code timeout} passes, every slot still open fails with a
     * {@link java.util.concurrent.TimeoutException}. The inputs are never cancelled, on timeout or
     * otherwise; cancelling a returned slot only gives up that slot.
     *
     * @param timeout how long to wait for all inputs, or {@code null} for no limit
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static <T> List<CompletableFuture<T>> asCompleted(List<? extends CompletionStage<? extends T>> futures, Duration timeout) {
        return TaskInterop.asCompleted(List.copyOf(Objects.requireNonNull(futures, "futures")), timeout);
    }

    /**
     * asyncio's {@code wait}: completes when {@code returnWhen} is met or {@code timeout} passes,
     * with the futures split into {@code done} and {@code pending}. It cancels nothing and does not
     * fail on timeout. Cancelling the returned future stops waiting; the inputs keep running.
     *
     * @param timeout how long to wait, or {@code null} for no limit
     * @throws IllegalArgumentException if {@code futures} is empty or {@code timeout} is negative
     */
    public static <T> CompletableFuture<WaitResult<CompletableFuture<T>>> wait(
            List<CompletableFuture<T>> futures, ReturnWhen returnWhen, Duration timeout) {
        return TaskInterop.wait(List.copyOf(Objects.requireNonNull(futures, "futures")),
                Objects.requireNonNull(returnWhen, "returnWhen"), timeout);
    }

    /**
     * Runs {@code task} and cancels it when {@code duration} has passed, asyncio's {@code timeout}.
     * The returned future then fails with a {@link java.util.concurrent.TimeoutException}
     * ({@link dev.kaio.DeadlineExceededException}), after the task's stage has been cancelled and
     * its {@code finally} blocks have run. {@code Duration.ZERO} lets the task start, then times out.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public static <T> CompletableFuture<T> timeout(Duration duration, Supplier<? extends CompletionStage<T>> task) {
        Objects.requireNonNull(task, "task");
        return TaskInterop.timeout(Objects.requireNonNull(duration, "duration"), handle -> task.get());
    }

    /**
     * Like {@link #timeout(Duration, Supplier)}, giving the task a {@link Deadline} with which it
     * can move or remove its deadline while it runs (asyncio's {@code Timeout.reschedule}).
     */
    public static <T> CompletableFuture<T> timeout(Duration duration, Function<Deadline, ? extends CompletionStage<T>> task) {
        Objects.requireNonNull(task, "task");
        return TaskInterop.timeout(Objects.requireNonNull(duration, "duration"), handle -> task.apply(new Deadline(handle)));
    }

    /**
     * Runs {@code task} so that cancelling the returned future does not cancel it, asyncio's
     * {@code shield}. The returned future is cancelled at once; the task runs on to its end, owned
     * by the current {@link EventLoop} (cancelled when the loop ends) or by Kaio's background scope.
     */
    public static <T> CompletableFuture<T> shield(Supplier<? extends CompletionStage<T>> task) {
        return TaskInterop.shield(Objects.requireNonNull(task, "task"));
    }

    /**
     * Runs blocking {@code task} on another thread and completes with its result, asyncio's
     * {@code to_thread}. The calling thread (an {@link EventLoop}'s one thread) stays free.
     *
     * <p><b>Threads.</b> On JDK 21 and later the task runs on a new virtual thread (chosen at run
     * time; Kaio's bytecode still targets Java 17); on JDK 17 on Kaio's IO threads
     * ({@code Dispatchers.IO}, 64 threads or more).
     *
     * <p><b>Cancellation and interruption.</b> Cancelling the returned future interrupts the thread
     * while it runs {@code task}: {@code Thread.sleep}, {@code BlockingQueue.take}, interruptible
     * channels and the like end with {@code InterruptedException}, and the future is cancelled.
     * Code that ignores interruption runs on to its end; its result is dropped. A task cancelled
     * before it started never runs.
     *
     * <p><b>Failure.</b> The future fails with the exception {@code task} threw, unwrapped, checked
     * exceptions included.
     */
    public static <T> CompletableFuture<T> toThread(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        Executor virtualThreads = VirtualThreads.EXECUTOR;
        return virtualThreads == null ? OffloadInterop.toThread(task) : OffloadInterop.runIn(virtualThreads, task);
    }

    /**
     * Runs blocking {@code task} on {@code executor} and completes with its result, asyncio's
     * {@code run_in_executor}. The executor stays the caller's: Kaio never shuts it down.
     *
     * <p><b>Cancellation and interruption.</b> As for {@link #toThread}: cancelling the returned
     * future interrupts the executor's thread while it runs {@code task}; a task cancelled before
     * the executor started it never runs. If the executor rejects the task, the future is cancelled
     * and the task is not run.
     *
     * <p><b>Failure.</b> The future fails with the exception {@code task} threw, unwrapped.
     */
    public static <T> CompletableFuture<T> runIn(Executor executor, Callable<T> task) {
        return OffloadInterop.runIn(Objects.requireNonNull(executor, "executor"), Objects.requireNonNull(task, "task"));
    }

    /** A virtual-thread-per-task executor where the JDK has one (21+), found by reflection; else {@code null}. */
    static final class VirtualThreads {
        static final Executor EXECUTOR = find();

        private static Executor find() {
            try {
                Method factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
                return (ExecutorService) factory.invoke(null);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError noVirtualThreads) {
                return null;
            }
        }

        private VirtualThreads() {}
    }
}
