package dev.kaio.io

import java.io.IOException
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlin.coroutines.suspendCoroutine
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.ensureActive
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
 * `OP_ACCEPT` ("in") and `OP_WRITE` or `OP_CONNECT` ("out"). A waiter is run on the loop thread
 * when the channel is ready, or when it is closed: a callback (`() -> Unit`, see [whenReady]) or
 * the continuation of a coroutine suspended in [await].
 *
 * Interest stays armed after an event while the owner is likely to wait again (a read loop
 * re-arms before the next byte arrives), which saves two `epoll_ctl` calls per message; it is
 * disarmed when an event finds no waiter, so a level-triggered selector never spins.
 */
/*
 * Overview of [await], the hot path (one suspension per message of an echo):
 *
 * `suspendCancellableCoroutine` would link a handle into the waiting coroutine's Job and unlink it
 * again at every suspension, and allocate a waiter and a cancellation callback; that was a third
 * of the loop's CPU time in the echo benchmark. Instead the coroutine parks with a plain
 * `suspendCoroutine`, and cancellation is watched per direction: one `onCancelling` handler on the
 * Job of the waiting coroutine, registered at its first wait and kept while the same Job waits
 * again (a read loop), replaced when another Job waits, disposed when the socket closes.
 *
 *     await:   job.ensureActive; watch(job); park c -> on the loop: arm(c)
 *     arm:     the Job already cancelled ? resume c with its CancellationException : slot := c
 *     ready:   slot := null; resume c (dispatched)                          } on the loop thread,
 *     cancel:  the handler posts: slot holds a waiter of that Job ? slot := null;  } so exactly one
 *              resume it with the Job's CancellationException                  } of them resumes c
 *     after:   job.ensureActive (a wait woken by readiness and then cancelled still throws:
 *              a cancelled read consumes nothing)
 *
 * A cancellation that lands between the check in `await` and `arm` is caught by `arm`'s check
 * (the handler's task was queued before `arm` ran, found no waiter, and did nothing).
 */
@OptIn(InternalCoroutinesApi::class)
internal class NioSocket(val loop: SelectorLoop, val channel: SelectableChannel) {
    // Touched on the loop thread only.
    private var key: SelectionKey? = null
    private var inWaiter: Any? = null
    private var outWaiter: Any? = null
    private var closedOnLoop = false

    // Touched by the coroutine that waits in that direction (one at a time), and by close().
    @Volatile
    private var inWatch: Watch? = null

    @Volatile
    private var outWatch: Watch? = null

    @Volatile
    var closed: Boolean = false
        private set

    private class Watch(val job: Job, val handle: DisposableHandle)

    /**
     * Suspends until the channel is ready for [op] or closed. Cancellable, with the prompt
     * cancellation guarantee: a cancelled wait throws `CancellationException`, also when the
     * channel became ready at the same moment.
     */
    suspend fun await(op: Int) {
        val job = coroutineContext[Job]
        if (job != null) {
            job.ensureActive()
            watch(op, job)
        }
        suspendCoroutine<Unit> { continuation -> loop.onLoop { arm(op, continuation, job) } }
        job?.ensureActive()
    }

    private fun watch(op: Int, job: Job) {
        val inDirection = op and IN != 0
        val current = if (inDirection) inWatch else outWatch
        if (current?.job === job) return
        current?.handle?.dispose()
        val handle = job.invokeOnCompletion(onCancelling = true, invokeImmediately = false) {
            loop.onLoop { cancelWaiter(op, job) }
        }
        val watch = Watch(job, handle)
        if (inDirection) inWatch = watch else outWatch = watch
        if (closed) unwatch()
    }

    private fun unwatch() {
        inWatch?.handle?.dispose()
        outWatch?.handle?.dispose()
        inWatch = null
        outWatch = null
    }

    private fun cancelWaiter(op: Int, job: Job) {
        val waiter = if (op and IN != 0) inWaiter else outWaiter
        if (waiter is Continuation<*> && waiter.context[Job] === job) {
            if (op and IN != 0) inWaiter = null else outWaiter = null
            waiter.resumeWithException(job.getCancellationException())
        }
    }

    /** Runs [waiter] on the loop thread when the channel is ready for [op] (or closed). */
    fun whenReady(op: Int, waiter: () -> Unit) = loop.onLoop { arm(op, waiter, null) }

    /** Stops watching for [op] (used after a connect: a connected channel stays "connectable"). */
    fun clearInterest(op: Int) = loop.onLoop {
        val key = key
        if (key != null && key.isValid) key.interestOps(key.interestOps() and op.inv())
    }

    /** Puts [waiter] in the slot of [op]; [job] is the Job of a waiting coroutine (null for a callback or no Job). */
    private fun arm(op: Int, waiter: Any, job: Job?) {
        if (job != null && !job.isActive) {
            (waiter as Continuation<*>).resumeWithException(job.getCancellationException())
            return
        }
        if (closedOnLoop) {
            wake(waiter)
            return
        }
        val key = key ?: try {
            loop.register(channel, this).also { key = it }
        } catch (failure: IOException) {
            wake(waiter)
            return
        }
        if (!key.isValid) {
            wake(waiter)
            return
        }
        if (op and IN != 0) inWaiter = waiter else outWaiter = waiter
        val interest = key.interestOps()
        if (interest and op == 0) key.interestOps(interest or op)
    }

    fun onReady(key: SelectionKey) {
        if (!key.isValid) return
        val ready = key.readyOps()
        var interest = key.interestOps()
        if (ready and IN != 0) {
            val waiter = inWaiter
            inWaiter = null
            if (waiter != null) wake(waiter) else interest = interest and IN.inv()
        }
        if (ready and OUT != 0) {
            val waiter = outWaiter
            outWaiter = null
            if (waiter != null) wake(waiter) else interest = interest and OUT.inv()
        }
        if (key.isValid && interest != key.interestOps()) key.interestOps(interest)
    }

    /** Closes the channel on the loop thread and wakes both waiters. [beforeClose] runs first, on the loop. */
    fun close(beforeClose: () -> Unit = {}) {
        closed = true
        unwatch()
        loop.onLoop {
            if (!closedOnLoop) {
                closedOnLoop = true
                runCatching(beforeClose)
                key?.cancel()
                runCatching { channel.close() }
                val waiters = listOf(inWaiter, outWaiter)
                inWaiter = null
                outWaiter = null
                for (waiter in waiters) if (waiter != null) wake(waiter)
            }
        }
    }

    companion object {
        const val IN: Int = SelectionKey.OP_READ or SelectionKey.OP_ACCEPT
        const val OUT: Int = SelectionKey.OP_WRITE or SelectionKey.OP_CONNECT

        @Suppress("UNCHECKED_CAST")
        private fun wake(waiter: Any) {
            if (waiter is Continuation<*>) (waiter as Continuation<Unit>).resume(Unit) else (waiter as () -> Unit)()
        }
    }
}
