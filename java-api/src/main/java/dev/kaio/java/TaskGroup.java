package dev.kaio.java;

import dev.kaio.interop.TaskInterop;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * asyncio's {@code TaskGroup} for Java: a body that spawns tasks, and a future that completes when
 * the body and all of its tasks have finished.
 *
 * <pre>{@code
 * CompletableFuture<Integer> total = TaskGroup.run(group -> {
 *     CompletableFuture<Integer> a = group.spawn(() -> fetch("a"));
 *     CompletableFuture<Integer> b = group.spawn(() -> fetch("b"));
 *     return a.thenCombine(b, Integer::sum);
 * });
 * }</pre>
 *
 * <p><b>Failure.</b> The first failure of a task or of the body's stage cancels the body and every
 * other task; once all have finished, the future fails with one
 * {@link dev.kaio.TaskGroupException} that lists every failure ({@code getExceptions()}, also as
 * suppressed exceptions).
 *
 * <p><b>Cancellation.</b> Cancelling the returned future cancels the body and every task.
 */
public final class TaskGroup {
    private final TaskInterop.GroupHandle group;

    private TaskGroup(TaskInterop.GroupHandle group) {
        this.group = group;
    }

    /**
     * Runs {@code body} with a new group and completes with the value of the stage it returns, once
     * every task of the group has finished.
     */
    public static <T> CompletableFuture<T> run(Function<TaskGroup, ? extends CompletionStage<T>> body) {
        Objects.requireNonNull(body, "body");
        return TaskInterop.taskGroup(handle -> body.apply(new TaskGroup(handle)));
    }

    /**
     * Starts {@code task} in this group. Cancelling the returned future cancels that task only
     * (a cancelled task is not a failure of the group).
     *
     * @throws IllegalStateException if the group has finished or is shutting down after a failure
     */
    public <T> CompletableFuture<T> spawn(Supplier<? extends CompletionStage<T>> task) {
        return group.spawn(null, Objects.requireNonNull(task, "task"));
    }

    /** Like {@link #spawn(Supplier)}, naming the task. */
    public <T> CompletableFuture<T> spawn(String name, Supplier<? extends CompletionStage<T>> task) {
        return group.spawn(Objects.requireNonNull(name, "name"), Objects.requireNonNull(task, "task"));
    }
}
