package dev.kaio.java;

import dev.kaio.interop.TaskInterop;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * asyncio's {@code asyncio.run} for Java: runs a main task on one dedicated loop thread and
 * returns its result, blocking the calling thread meanwhile.
 *
 * <p>Tasks started through {@link Tasks} and {@link TaskGroup} from code running on the loop thread
 * run on that thread too, and the futures they return complete there, so Java code written in
 * asyncio style has no data races by construction. (A stage from outside Kaio, such as an
 * {@code HttpClient} response, still completes on its own threads.)
 *
 * <p><b>Ending.</b> When main's stage completes, every task still running is cancelled and awaited,
 * then the loop thread stops. <b>Signals:</b> SIGINT and SIGTERM cancel main so that its cleanup runs.
 * <b>Interruption:</b> interrupting the calling thread cancels main and throws
 * {@link InterruptedException} once it has finished.
 */
public final class EventLoop {
    private EventLoop() {}

    /**
     * Runs {@code main} on a new loop and returns its value.
     *
     * @throws Exception main's own failure, unwrapped (a timeout is a
     *     {@link java.util.concurrent.TimeoutException}; a cancelled main throws
     *     {@link java.util.concurrent.CancellationException})
     */
    public static <T> T run(Supplier<? extends CompletionStage<T>> main) throws Exception {
        return TaskInterop.runLoop(false, Objects.requireNonNull(main, "main"));
    }

    /**
     * Like {@link #run(Supplier)}; with {@code debug} on, as asyncio's debug mode: a step of a task
     * that holds the loop thread for more than 100 ms is logged as a warning through SLF4J, with
     * the stack of the loop thread sampled while it blocks; and the task dump
     * ({@link dev.kaio.java.debug.TaskDump}) is installed for the life of the loop (on JDK 21+,
     * start the JVM with {@code -XX:+EnableDynamicAgentLoading} to avoid the JVM's agent warning).
     */
    public static <T> T run(boolean debug, Supplier<? extends CompletionStage<T>> main) throws Exception {
        return TaskInterop.runLoop(debug, Objects.requireNonNull(main, "main"));
    }
}
