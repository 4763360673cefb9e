package dev.kaio.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link EventLoop} from Java source. */
class EventLoopTest {
    /** The thread's name without the " @coroutine#n" that kotlinx's debug mode (on under -ea) appends. */
    private static String threadName() {
        return Thread.currentThread().getName().replaceAll(" @.*$", "");
    }

    @Test
    void returnsMainsValueAndRunsContinuationsOnTheLoopThread() throws Exception {
        List<String> threads = new ArrayList<>();
        String result = EventLoop.run(() -> {
            threads.add(threadName());
            return Tasks.sleep(Duration.ofMillis(1))
                    .thenCompose(ignored -> Tasks.spawn(() -> {
                        threads.add(threadName());
                        return CompletableFuture.completedFuture("done");
                    }))
                    .thenApply(value -> {
                        threads.add(threadName());
                        return value;
                    });
        });
        assertEquals("done", result);
        assertEquals(3, threads.size());
        String loop = threads.get(0);
        assertTrue(loop.startsWith("kaio-loop-"), loop);
        assertTrue(threads.stream().allMatch(loop::equals), threads.toString());
    }

    @Test
    void throwsMainsFailureUnwrapped() {
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> EventLoop.run(() -> CompletableFuture.failedFuture(boom))));
    }

    @Test
    void cancelsLeftoverTasksAndLeavesNoThreadBehind() throws Exception {
        AtomicReference<CompletableFuture<Void>> leftover = new AtomicReference<>();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        EventLoop.run(() -> {
            loopThread.set(Thread.currentThread());
            leftover.set(Tasks.spawn(() -> Tasks.sleep(Duration.ofHours(1))));
            return CompletableFuture.completedFuture(null);
        });
        assertTrue(leftover.get().isCancelled(), "a task still running when main ends is cancelled");
        loopThread.get().join(10_000);
        assertFalse(loopThread.get().isAlive(), "the loop thread has stopped");
    }
}
