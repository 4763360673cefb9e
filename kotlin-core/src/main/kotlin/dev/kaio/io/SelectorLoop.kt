package dev.kaio.io

import java.io.IOException
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.resume
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.suspendCancellableCoroutine
import org.slf4j.LoggerFactory

/*
 * Overview: Kaio's I/O loop, one thread that is both a java.nio Selector and a coroutine dispatcher.
 *
 * This is the shape of asyncio's selector event loop and of the hand-written NIO echo servers that
 * the benchmark compares with: one thread waits in `select`, and the coroutines that are waiting
 * for a socket are resumed by it. Server handlers run on this thread by default, so a readiness
 * event resumes its handler without any thread hand-off (DESIGN.md: hand-offs cost 10x here).
 * Coroutines on other dispatchers may use sockets too: they read and write on their own thread and
 * only ask the loop to tell them when a socket becomes ready.
 *
 * Loop iteration:
 *
 *     select (blocking if no task is queued, selectNow otherwise)
 *       -> for each ready key: NioSocket.onReady   (resumes waiters: they are queued as tasks)
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
        val onReady = { key: SelectionKey -> (key.attachment() as NioSocket).onReady(key) }
        while (true) {
            try {
                if (local.isEmpty()) selector.select(onReady) else selector.selectNow(onReady)
                wakeupPending.set(false)
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

/**
 * A channel registered with a [SelectorLoop], with one waiter slot per direction: `OP_READ` or
 * `OP_ACCEPT` ("in") and `OP_WRITE` or `OP_CONNECT` ("out"). A waiter is a callback run on the loop
 * thread when the channel is ready, or when it is closed.
 *
 * Interest stays armed after an event while the owner is likely to wait again (a read loop
 * re-arms before the next byte arrives), which saves two `epoll_ctl` calls per message; it is
 * disarmed when an event finds no waiter, so a level-triggered selector never spins.
 */
internal class NioSocket(val loop: SelectorLoop, val channel: SelectableChannel) {
    // Touched on the loop thread only.
    private var key: SelectionKey? = null
    private var inWaiter: (() -> Unit)? = null
    private var outWaiter: (() -> Unit)? = null
    private var closedOnLoop = false

    @Volatile
    var closed: Boolean = false
        private set

    /** Suspends until the channel is ready for [op] or closed. Cancellable; cancelling disarms the waiter. */
    suspend fun await(op: Int) {
        suspendCancellableCoroutine { continuation ->
            val waiter: () -> Unit = { continuation.resume(Unit) }
            loop.onLoop { arm(op, waiter) }
            continuation.invokeOnCancellation { loop.onLoop { disarm(op, waiter) } }
        }
    }

    /** Runs [waiter] on the loop thread when the channel is ready for [op] (or closed). */
    fun whenReady(op: Int, waiter: () -> Unit) = loop.onLoop { arm(op, waiter) }

    /** Stops watching for [op] (used after a connect: a connected channel stays "connectable"). */
    fun clearInterest(op: Int) = loop.onLoop {
        val key = key
        if (key != null && key.isValid) key.interestOps(key.interestOps() and op.inv())
    }

    private fun arm(op: Int, waiter: () -> Unit) {
        if (closedOnLoop) {
            waiter()
            return
        }
        val key = key ?: try {
            loop.register(channel, this).also { key = it }
        } catch (failure: IOException) {
            waiter()
            return
        }
        if (!key.isValid) {
            waiter()
            return
        }
        if (op and IN != 0) inWaiter = waiter else outWaiter = waiter
        val interest = key.interestOps()
        if (interest and op == 0) key.interestOps(interest or op)
    }

    private fun disarm(op: Int, waiter: () -> Unit) {
        if (op and IN != 0) {
            if (inWaiter === waiter) inWaiter = null
        } else if (outWaiter === waiter) {
            outWaiter = null
        }
    }

    fun onReady(key: SelectionKey) {
        if (!key.isValid) return
        val ready = key.readyOps()
        var interest = key.interestOps()
        if (ready and IN != 0) {
            val waiter = inWaiter
            inWaiter = null
            if (waiter != null) waiter() else interest = interest and IN.inv()
        }
        if (ready and OUT != 0) {
            val waiter = outWaiter
            outWaiter = null
            if (waiter != null) waiter() else interest = interest and OUT.inv()
        }
        if (key.isValid && interest != key.interestOps()) key.interestOps(interest)
    }

    /** Closes the channel on the loop thread and wakes both waiters. [beforeClose] runs first, on the loop. */
    fun close(beforeClose: () -> Unit = {}) {
        closed = true
        loop.onLoop {
            if (!closedOnLoop) {
                closedOnLoop = true
                runCatching(beforeClose)
                key?.cancel()
                runCatching { channel.close() }
                inWaiter?.invoke()
                outWaiter?.invoke()
                inWaiter = null
                outWaiter = null
            }
        }
    }

    companion object {
        const val IN: Int = SelectionKey.OP_READ or SelectionKey.OP_ACCEPT
        const val OUT: Int = SelectionKey.OP_WRITE or SelectionKey.OP_CONNECT
    }
}
