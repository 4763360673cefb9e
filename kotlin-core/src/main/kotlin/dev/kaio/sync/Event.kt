package dev.kaio.sync

import kotlinx.coroutines.CompletableDeferred

/**
 * A resettable flag that coroutines can wait for, asyncio's `Event`.
 *
 * [set] wakes every waiter and lets later [wait]s pass at once until [clear] resets the flag; unlike
 * a `CompletableDeferred`, an event can be set and cleared any number of times.
 *
 * **Fairness.** [set] resumes all current waiters; their order of running is the dispatcher's.
 *
 * **Cancellation.** A caller cancelled while waiting in [wait] stops waiting and throws
 * `CancellationException`; nothing else changes (waiting takes nothing).
 *
 * **Memory.** Actions before [set] happen-before the return of every [wait] that it releases.
 */
public interface Event {
    /** True between [set] and the next [clear]. */
    public val isSet: Boolean

    /** Sets the flag and wakes every waiter. Setting a set event does nothing. */
    public fun set()

    /** Resets the flag; later [wait]s suspend until the next [set]. */
    public fun clear()

    /** Returns at once if the flag is set, otherwise waits until [set] is called. */
    public suspend fun wait()
}

/** Creates an [Event], not set. */
public fun Event(): Event = EventImpl()

/*
 * Overview: one CompletableDeferred per "generation" of the flag. `set` completes it; `clear`
 * replaces a completed one with a fresh one. Waiters await the deferred current when they arrive,
 * so a set-then-clear still releases them, as in asyncio.
 */
internal class EventImpl : Event {
    @Volatile
    private var signal = CompletableDeferred<Unit>()

    override val isSet: Boolean get() = signal.isCompleted

    override fun set() {
        synchronized(this) { signal }.complete(Unit)
    }

    override fun clear() {
        synchronized(this) {
            if (signal.isCompleted) signal = CompletableDeferred()
        }
    }

    override suspend fun wait() {
        val current = signal
        if (current.isCompleted) return
        current.await()
    }

    override fun toString(): String = "Event[${if (isSet) "set" else "clear"}]"
}
