package dev.kaio.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.TaskGroupException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link TaskGroup} from Java source. */
class TaskGroupTest {
    @Test
    void completesWithTheBodysValueOnceEveryTaskIsDone() throws Exception {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> total = TaskGroup.run(group -> {
            CompletableFuture<Integer> first = group.spawn(() -> a);
            CompletableFuture<Integer> second = group.spawn("second", () -> CompletableFuture.completedFuture(2));
            return first.thenCombine(second, Integer::sum);
        });
        a.complete(40);
        assertEquals(42, total.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailureCancelsTheOtherTasksAndArrivesAsTaskGroupException() throws Exception {
        CompletableFuture<String> slow = new CompletableFuture<>();
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Void> slowStarted = new CompletableFuture<>();
        CompletableFuture<String> result = TaskGroup.run(group -> {
            group.spawn(() -> {
                slowStarted.complete(null);
                return slow;
            });
            // Fails once the slow task is running, so that there is something to cancel.
            group.spawn(() -> slowStarted.thenCompose(started -> CompletableFuture.<String>failedFuture(boom)));
            return new CompletableFuture<String>();
        });
        Throwable failure = result.handle((value, error) -> error).get(10, TimeUnit.SECONDS);
        TaskGroupException group = assertInstanceOf(TaskGroupException.class, failure);
        assertEquals(List.of(boom), group.getExceptions());
        assertEquals(boom, group.getSuppressed()[0]);
        assertTrue(slow.isCancelled());
    }
}
