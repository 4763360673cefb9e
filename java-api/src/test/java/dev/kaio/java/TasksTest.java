package dev.kaio.java;

import static dev.kaio.java.FutureTesting.LONG_DELAY_SECONDS;
import static dev.kaio.java.FutureTesting.await;
import static dev.kaio.java.FutureTesting.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.Outcome;
import dev.kaio.ReturnWhen;
import dev.kaio.WaitResult;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@link Tasks} from Java source, on real threads, synchronised by latches and hand-completed futures. */
class TasksTest {
    @Test
    void spawnCompletesWithTheSuppliersResult() throws Exception {
        assertEquals(42, await(Tasks.spawn("answer", () -> CompletableFuture.completedFuture(42))));
    }

    @Test
    void failuresArriveUnwrapped() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, failureOf(Tasks.spawn(() -> CompletableFuture.failedFuture(boom))));
        assertSame(boom, failureOf(Tasks.spawn(() -> { throw boom; })));
        assertSame(boom, failureOf(Tasks.gather(() -> CompletableFuture.completedFuture(1), () -> CompletableFuture.failedFuture(boom))));
    }

    @Test
    void cancellingTheReturnedFutureCancelsTheSuppliedStage() throws Exception {
        CompletableFuture<String> supplied = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> task = Tasks.spawn(() -> {
            started.countDown();
            return supplied;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        assertTrue(task.cancel(true));
        assertInstanceOf(CancellationException.class, failureOf(supplied));
        assertTrue(task.isCancelled());
    }

    @Test
    void cancellingATaskCancelsKaioWorkInsideIt() throws Exception {
        CompletableFuture<Void> inner = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> task = Tasks.spawn(() -> {
            CompletableFuture<Void> sleeping = Tasks.sleep(Duration.ofHours(1));
            sleeping.whenComplete((value, failure) -> inner.complete(null)); // the sleep's "finally"
            started.countDown();
            return sleeping;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        task.cancel(true);
        await(inner);
        assertTrue(task.isCancelled());
    }

    @Test
    void timeoutFailsWithTimeoutExceptionAndCancelsTheStage() throws Exception {
        CompletableFuture<String> never = new CompletableFuture<>();
        Throwable failure = failureOf(Tasks.timeout(Duration.ofMillis(1), () -> never));
        assertInstanceOf(TimeoutException.class, failure);
        assertTrue(never.isCancelled());
    }

    @Test
    void timeoutDeadlineCanBeRemoved() throws Exception {
        // On a loop's one thread the timer cannot run before the block has removed the deadline, so
        // the 1 ms deadline is gone whatever the machine's speed; the result comes well after it.
        String result = EventLoop.run(() -> Tasks.timeout(Duration.ofMillis(1), deadline -> {
            deadline.rescheduleAfter(null);
            assertFalse(deadline.hasDeadline());
            return Tasks.sleep(Duration.ofMillis(20)).thenApply(slept -> "late but fine");
        }));
        assertEquals("late but fine", result);
    }

    @Test
    void gatherKeepsArgumentOrder() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<List<String>> all = Tasks.gather(List.<Supplier<CompletionStage<String>>>of(() -> first, () -> second));
        second.complete("b");
        first.complete("a");
        assertEquals(List.of("a", "b"), await(all));
    }

    @Test
    void gatherFuturesCancelsTheOthersOnFailure() throws Exception {
        CompletableFuture<String> failing = new CompletableFuture<>();
        CompletableFuture<String> other = new CompletableFuture<>();
        CompletableFuture<List<String>> all = Tasks.gatherFutures(List.of(failing, other));
        failing.completeExceptionally(new IllegalArgumentException("bad"));
        assertInstanceOf(IllegalArgumentException.class, failureOf(all));
        assertTrue(other.isCancelled());
    }

    @Test
    void gatherSettledReportsEveryOutcome() throws Exception {
        List<Outcome<Integer>> outcomes = await(Tasks.gatherSettled(List.<Supplier<CompletionStage<Integer>>>of(
                () -> CompletableFuture.completedFuture(1),
                () -> CompletableFuture.failedFuture(new IllegalStateException("two")))));
        assertEquals(1, outcomes.get(0).getOrThrow());
        assertEquals("two", outcomes.get(1).exceptionOrNull().getMessage());
    }

    @Test
    void asCompletedFillsSlotsInFinishingOrder() throws Exception {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        List<CompletableFuture<String>> slots = Tasks.asCompleted(List.of(a, b), null);
        b.complete("b");
        assertEquals("b", await(slots.get(0)));
        a.complete("a");
        assertEquals("a", await(slots.get(1)));
    }

    @Test
    void asCompletedTimeoutFailsOpenSlotsAndLeavesInputsAlone() throws Exception {
        CompletableFuture<String> never = new CompletableFuture<>();
        List<CompletableFuture<String>> slots = Tasks.asCompleted(List.of(CompletableFuture.completedFuture("now"), never), Duration.ofMillis(1));
        assertEquals("now", await(slots.get(0)));
        assertInstanceOf(TimeoutException.class, failureOf(slots.get(1)));
        assertFalse(never.isDone());
    }

    @Test
    void waitFirstCompletedSplitsDoneAndPending() throws Exception {
        CompletableFuture<Integer> done = CompletableFuture.completedFuture(1);
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        WaitResult<CompletableFuture<Integer>> result = await(Tasks.wait(List.of(done, pending), ReturnWhen.FIRST_COMPLETED, null));
        assertEquals(Set.of(done), result.getDone());
        assertEquals(Set.of(pending), result.getPending());
        assertFalse(pending.isDone());
    }

    @Test
    void misuseFailsFastWithAClearMessage() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Tasks.wait(List.<CompletableFuture<Integer>>of(), ReturnWhen.ALL_COMPLETED, null));
        assertTrue(empty.getMessage().contains("at least one"));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> Tasks.sleep(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("negative"));
        assertThrows(IllegalArgumentException.class, () -> Tasks.timeout(Duration.ofSeconds(-1), () -> new CompletableFuture<String>()));
        assertThrows(NullPointerException.class, () -> Tasks.spawn(null));
    }

    @Test
    void asyncDependentsNeverRunOnTheCommonPool() throws Exception {
        String thread = await(Tasks.spawn(() -> CompletableFuture.completedFuture(1))
                .thenApplyAsync(value -> Thread.currentThread().getName()));
        assertFalse(thread.contains("commonPool"), thread);
    }

    @Test
    void shieldKeepsTheWorkRunningWhenTheCallerCancels() throws Exception {
        CompletableFuture<String> work = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> shielded = Tasks.shield(() -> {
            started.countDown();
            return work;
        });
        assertTrue(started.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        shielded.cancel(true);
        assertTrue(shielded.isCancelled());
        assertFalse(work.isCancelled());
        work.complete("finished anyway");
        assertEquals("finished anyway", work.get());
    }
}
