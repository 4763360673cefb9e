package dev.kaio.queue

/**
 * Thrown by [AsyncQueue] operations after [AsyncQueue.shutdown], asyncio 3.13's `QueueShutDown`:
 * by `put`/`tryPut` at once, by `get` once the queue is empty (a graceful shutdown lets `get` drain
 * what is left first), and by every caller that was waiting in `put` or `get` when it shut down.
 *
 * An [IllegalStateException]: using a queue after its shutdown is a state error, and a consumer loop
 * usually ends on it.
 */
public class QueueShutdownException(message: String) : IllegalStateException(message)
