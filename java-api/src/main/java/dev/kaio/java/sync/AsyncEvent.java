package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.Event;
import dev.kaio.sync.EventKt;
import java.util.concurrent.CompletableFuture;

/**
 * A resettable flag to wait for: asyncio's {@code Event} (Kotlin: {@code dev.kaio.sync.Event}).
 *
 * <p>{@link #set()} completes every pending {@link #await()} future and lets later ones complete at
 * once until {@link #clear()}. Unlike a {@code CompletableFuture}, an event can be set and cleared
 * any number of times.
 *
 * <p><b>Cancellation.</b> Cancelling a future from {@link #await()} only stops that wait.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Memory consistency.</b> Actions before {@link #set()} happen-before the completion of the
 * waits it releases.
 *
 * <p>Named {@code await} rather than asyncio's {@code wait}, which {@link Object#wait()} owns in Java.
 */
public final class AsyncEvent {
    private final Event event;

    private AsyncEvent(Event event) {
        this.event = event;
    }

    /**
     * Creates an event that is not set.
     *
     * @return a new event
     */
    public static AsyncEvent create() {
        return new AsyncEvent(EventKt.Event());
    }

    /** Sets the flag and completes every pending wait. */
    public void set() {
        event.set();
    }

    /** Resets the flag; later waits stay pending until the next {@link #set()}. */
    public void clear() {
        event.clear();
    }

    /**
     * Tells whether the flag is set.
     *
     * @return true between {@link #set()} and {@link #clear()}
     */
    public boolean isSet() {
        return event.isSet();
    }

    /**
     * Waits until the flag is set.
     *
     * @return a future completed (already, if the flag is set) once the flag is set; cancelling it
     *     stops waiting; it never fails otherwise
     */
    public CompletableFuture<Void> await() {
        return SyncInterop.eventWait(event);
    }

    @Override
    public String toString() {
        return "Async" + event;
    }
}
