package dev.kaio.io

import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import org.slf4j.LoggerFactory

/*
 * Overview: Kaio's I/O loop, one thread that is both a java.nio Selector and a coroutine dispatcher.
 *
 * This is the shape of asyncio's selector event loop and of the hand-written NIO echo servers that
 * the benchmark compares with: one thread waits in `select`, and the coroutines that are waiting
 * for a socket are resumed by it. Server handlers run on this thread by default, so a readiness
 * event resumes its handler without any thread hand-off (DESIGN.md: hand-offs cost 10x here), and
 * without a dispatch either: the handler runs on in the selector's callback until it waits again
 * (see NioSocket's overview). Coroutines on other dispatchers may use sockets too: they read and
 * write on their own thread and only ask the loop to tell them when a socket becomes ready; their
 * resumption is dispatched to their own dispatcher.
 *
 * Loop iteration:
 *
 *     select (blocking if no task is queued, selectNow otherwise)
 *       -> for each ready key: NioSocket.onReady   (runs callbacks and the loop's own coroutines
 *                                                   there; dispatches the others)
 *     wakeup flag := false
 *     move tasks submitted by other threads to the local queue
 *     run the tasks that are queued now (tasks they queue run in the next iteration)
 *
 * Wake-up protocol: another thread adds its task, then calls `selector.wakeup()` only if it flips
 * `wakeupPending` from false to true. The loop clears the flag *before* it drains the external
 * queue, so a task added after the drain has always been followed by a wake-up that makes the next
 * `select` return at once.
 */

/** One selector thread that runs the coroutines dispatched to it. Never stops (daemon thread). */
internal class SelectorLoop(name: String) : CoroutineDispatcher() {
    val selector: Selector = Selector.open()
    private val external = ConcurrentLinkedQueue<Runnable>()
    private val local = ArrayDeque<Runnable>()
    private val wakeupPending = AtomicBoolean()
    private val thread = Thread(::loop, name).apply {
        isDaemon = true
        start()
    }

    val inLoop: Boolean get() = Thread.currentThread() === thread

    /**
     * A direct buffer for socket reads and writes made on the loop thread (put, read or write,
     * get, all in one call): spares them the JDK's per-call lookup of a temporary direct buffer
     * and the heap `ByteBuffer` that would wrap the array. Loop thread only.
     */
    val scratch: ByteBuffer = ByteBuffer.allocateDirect(64 * 1024)

    override fun dispatch(context: CoroutineContext, block: Runnable) = execute(block)

    /** Runs [task] on the loop thread, later (never inline). */
    fun execute(task: Runnable) {
        if (inLoop) {
            local.addLast(task)
        } else {
            external.add(task)
            if (!wakeupPending.getAndSet(true)) selector.wakeup()
        }
    }

    /** Runs [task] on the loop thread: now if called there, else as soon as the loop gets to it. */
    inline fun onLoop(crossinline task: () -> Unit) {
        if (inLoop) task() else execute { task() }
    }

    /** Registers [channel] with this loop's selector; must run on the loop thread. */
    fun register(channel: SelectableChannel, socket: NioSocket): SelectionKey {
        check(inLoop) { "register must run on the loop thread" }
        return channel.register(selector, 0, socket)
    }

    private fun loop() {
        // A waiter that throws is logged here, so that the select goes on with the other ready keys
        // and the iteration ends normally: a select that threw would skip the reset of
        // wakeupPending below, after which no other thread would wake the loop again.
        val onReady = { key: SelectionKey ->
            try {
                (key.attachment() as NioSocket).onReady(key)
            } catch (failure: Throwable) {
                log.error("A socket waiter on the Kaio I/O loop failed", failure)
            }
        }
        while (true) {
            try {
                val idle = local.isEmpty() && external.isEmpty()
                try {
                    if (idle) selector.select(onReady) else selector.selectNow(onReady)
                } finally {
                    // Also when select fails: tasks posted meanwhile are then found by the next
                    // iteration's check of `external`, which makes that select not block.
                    wakeupPending.set(false)
                }
                while (true) local.addLast(external.poll() ?: break)
                repeat(local.size) {
                    val task = local.removeFirst()
                    try {
                        task.run()
                    } catch (failure: Throwable) {
                        log.error("A task on the Kaio I/O loop failed", failure)
                    }
                }
            } catch (failure: IOException) {
                log.error("The Kaio I/O selector failed", failure)
            } catch (failure: Throwable) {
                log.error("The Kaio I/O loop caught an unexpected failure", failure)
            }
        }
    }

    override fun toString(): String = "Kaio I/O loop (${thread.name})"

    companion object {
        private val log = LoggerFactory.getLogger(SelectorLoop::class.java)

        /** The loop that every Kaio socket uses. Started on first use. */
        val default: SelectorLoop by lazy { SelectorLoop("kaio-io") }
    }
}
