package dev.kaio.java;

import dev.kaio.Timeout;
import dev.kaio.interop.TaskInterop;
import java.time.Duration;

/**
 * The deadline of a running {@link Tasks#timeout(Duration, java.util.function.Function)} task,
 * asyncio 3.11's {@code Timeout} object. Thread-safe.
 */
public final class Deadline {
    private final Timeout timeout;

    Deadline(Timeout timeout) {
        this.timeout = timeout;
    }

    /**
     * Moves the deadline to {@code delay} from now; {@code null} removes it. A zero delay expires it
     * at once.
     *
     * @throws IllegalStateException if the deadline has already expired or the task has finished
     */
    public void rescheduleAfter(Duration delay) {
        TaskInterop.rescheduleAfter(timeout, delay);
    }

    /** True once the deadline has passed and the task has been cancelled. */
    public boolean isExpired() {
        return timeout.getExpired();
    }

    /** True while a deadline is set. */
    public boolean hasDeadline() {
        return timeout.getDeadline() != null;
    }
}
