package dev.kaio.io

import java.io.IOException
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import kotlin.coroutines.Continuation
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.ensureActive

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
 * of the loop's CPU time in the echo benchmark. Instead the coroutine parks with
 * `suspendCoroutineUninterceptedOrReturn`, and cancellation is watched per direction: one
 * `onCancelling` handler on the Job of the waiting coroutine, registered at its first wait and kept
 * while the same coroutine waits again (a read loop), replaced when another one waits, disposed
 * when the socket closes.
 *
 *     await:   job.ensureActive; watch(context); park c (uninterceptedly) -> arm(c) on the loop
 *     arm:     the Job already cancelled ? c throws its CancellationException : slot := c
 *     ready:   slot := null; resume c (directly, see below)                 } on the loop thread,
 *     cancel:  the handler posts: slot holds a waiter of that Job ? slot := null;  } so exactly one
 *              resume it with the Job's CancellationException (dispatched)     } of them resumes c
 *     after:   job.ensureActive (a wait woken by readiness and then cancelled still throws:
 *              a cancelled read consumes nothing); `awaitReady` leaves this step to its caller
 *
 * A cancellation that lands between the check in `await` and `arm` is caught by `arm`'s check
 * (the handler's task was queued before `arm` ran, found no waiter, and did nothing). When `await`
 * runs on the loop thread, `arm` runs inline and an immediate outcome (cancelled, closed) does not
 * suspend at all, so the continuation is never resumed in the frame that parks it.
 *
 * Direct resumption: a coroutine whose dispatcher is this loop (server handlers, by default) is
 * resumed by a readiness event right there, in the selector's callback on the loop thread, as the
 * hand-written NIO servers handle a ready key. Dispatching it would allocate a dispatched
 * continuation, fold its context for thread-context elements and queue it for later in the same
 * loop iteration, for every message. The thread-context elements of its context (MDC, Kaio's
 * context variables, kotlinx's debug names) are set around the resumption, as a dispatch would.
 * Only `onReady` resumes directly (it runs at the bottom of the loop's stack, so resumptions never
 * nest); every other wake-up (close, cancellation, a wait armed from another thread) is dispatched.
 */
@OptIn(InternalCoroutinesApi::class)
internal class NioSocket(val loop: SelectorLoop, val channel: SelectableChannel) {
    // Touched on the loop thread only. A waiter is a callback or a raw (not intercepted)
    // continuation; the watch beside it says how to resume the continuation.
    private var key: SelectionKey? = null
    private var inWaiter: Any? = null
    private var inWaiterWatch: Watch? = null
    private var outWaiter: Any? = null
    private var outWaiterWatch: Watch? = null
    private var closedOnLoop = false

    // Touched by the coroutine that waits in that direction (one at a time), and by close().
    @Volatile
    private var inWatch: Watch? = null

    @Volatile
    private var outWatch: Watch? = null

    @Volatile
    var closed: Boolean = false
        private set

    /**
     * What [await] knows of the [context] of a waiting coroutine: the cancellation [handle] on its
     * [job], whether it may be resumed [direct]ly on the loop, and its thread-context [elements].
     */
    private class Watch(
        val context: CoroutineContext,
        val job: Job?,
        val handle: DisposableHandle?,
        val direct: Boolean,
        val elements: Array<ThreadContextElement<Any?>>,
    )

    /**
     * Suspends until the channel is ready for [op] or closed. Cancellable, with the prompt
     * cancellation guarantee: a cancelled wait throws `CancellationException`, also when the
     * channel became ready at the same moment.
     */
    suspend fun await(op: Int) {
        awaitReady(op)
        coroutineContext.ensureActive()
    }

    /**
     * [await] without its last step: a cancellation that lands after readiness has woken the
     * caller is not checked here, so the caller must check its Job once this returns (a reader
     * does). In return, this is a tail call: no frame of its own on the hot path.
     */
    suspend fun awaitReady(op: Int) {
        // The Job comes from the watch, cached for this context: no context lookup per wait.
        val watch = watch(op, coroutineContext)
        watch.job?.ensureActive()
        return suspendCoroutineUninterceptedOrReturn { continuation ->
            if (loop.inLoop) {
                when (arm(op, continuation, watch)) {
                    ARMED -> COROUTINE_SUSPENDED
                    CANCELLED -> throw watch.job!!.getCancellationException()
                    else -> Unit
                }
            } else {
                loop.execute { armLater(op, continuation, watch) }
                COROUTINE_SUSPENDED
            }
        }
    }

    private fun watch(op: Int, context: CoroutineContext): Watch {
        val inDirection = op and IN != 0
        val current = if (inDirection) inWatch else outWatch
        if (current != null && current.context === context) return current
        val job = context[Job]
        val handle = if (current != null && current.job === job) {
            current.handle
        } else {
            current?.handle?.dispose()
            job?.invokeOnCompletion(onCancelling = true, invokeImmediately = false) {
                loop.onLoop { cancelWaiter(op, job) }
            }
        }
        val direct = context[ContinuationInterceptor] === loop
        val elements = if (direct) threadContextElements(context) else NO_ELEMENTS
        val watch = Watch(context, job, handle, direct, elements)
        if (inDirection) inWatch = watch else outWatch = watch
        if (closed) unwatch()
        return watch
    }

    private fun unwatch() {
        inWatch?.handle?.dispose()
        outWatch?.handle?.dispose()
        inWatch = null
        outWatch = null
    }

    private fun cancelWaiter(op: Int, job: Job) {
        val inDirection = op and IN != 0
        val waiter = if (inDirection) inWaiter else outWaiter
        val watch = if (inDirection) inWaiterWatch else outWaiterWatch
        if (waiter is Continuation<*> && watch?.job === job) {
            clearSlot(inDirection)
            waiter.intercepted().resumeWithException(job.getCancellationException())
        }
    }

    private fun clearSlot(inDirection: Boolean) {
        if (inDirection) {
            inWaiter = null
            inWaiterWatch = null
        } else {
            outWaiter = null
            outWaiterWatch = null
        }
    }

    /** Runs [waiter] on the loop thread when the channel is ready for [op] (or closed). */
    fun whenReady(op: Int, waiter: () -> Unit) = loop.onLoop {
        if (arm(op, waiter, null) != ARMED) waiter()
    }

    /** Stops watching for [op] (used after a connect: a connected channel stays "connectable"). */
    fun clearInterest(op: Int) = loop.onLoop {
        val key = key
        if (key != null && key.isValid) key.interestOps(key.interestOps() and op.inv())
    }

    /** [arm] for a coroutine that parked on another thread: an immediate outcome is dispatched to it. */
    private fun armLater(op: Int, continuation: Continuation<Unit>, watch: Watch) {
        when (arm(op, continuation, watch)) {
            ARMED -> Unit
            CANCELLED -> continuation.intercepted().resumeWithException(watch.job!!.getCancellationException())
            else -> continuation.intercepted().resume(Unit)
        }
    }

    /**
     * Puts [waiter] in the slot of [op] and returns [ARMED]; or, without arming, [CANCELLED] if
     * the waiting coroutine's Job ([watch]; null for a callback) is cancelled, [READY] if the
     * channel is closed or cannot be registered (the waiter finds that out when it runs).
     */
    private fun arm(op: Int, waiter: Any, watch: Watch?): Int {
        if (watch?.job?.isActive == false) return CANCELLED
        if (closedOnLoop) return READY
        val key = key ?: try {
            loop.register(channel, this).also { key = it }
        } catch (failure: IOException) {
            return READY
        }
        if (!key.isValid) return READY
        if (op and IN != 0) {
            inWaiter = waiter
            inWaiterWatch = watch
        } else {
            outWaiter = waiter
            outWaiterWatch = watch
        }
        val interest = key.interestOps()
        if (interest and op == 0) key.interestOps(interest or op)
        return ARMED
    }

    /** Called by the selector on the loop thread; resumes the waiters of the ready directions. */
    fun onReady(key: SelectionKey) {
        if (!key.isValid) return
        val ready = key.readyOps()
        var interest = key.interestOps()
        var inReady: Any? = null
        var inReadyWatch: Watch? = null
        var outReady: Any? = null
        var outReadyWatch: Watch? = null
        if (ready and IN != 0) {
            inReady = inWaiter
            inReadyWatch = inWaiterWatch
            clearSlot(inDirection = true)
            if (inReady == null) interest = interest and IN.inv()
        }
        if (ready and OUT != 0) {
            outReady = outWaiter
            outReadyWatch = outWaiterWatch
            clearSlot(inDirection = false)
            if (outReady == null) interest = interest and OUT.inv()
        }
        // Interest is settled before any waiter runs: a resumed reader re-arms at once. The writer
        // side first: a flush makes room before the handler that may write more runs.
        if (interest != key.interestOps()) key.interestOps(interest)
        // try/finally: if the first waiter throws (a callback, or a resumed handler's completion),
        // the other still runs; the loop logs the failure, and keys not yet handled stay ready.
        try {
            if (outReady != null) wake(outReady, outReadyWatch, direct = true)
        } finally {
            if (inReady != null) wake(inReady, inReadyWatch, direct = true)
        }
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
                val inClosed = inWaiter
                val inClosedWatch = inWaiterWatch
                val outClosed = outWaiter
                val outClosedWatch = outWaiterWatch
                clearSlot(inDirection = true)
                clearSlot(inDirection = false)
                try {
                    if (inClosed != null) wake(inClosed, inClosedWatch, direct = false)
                } finally {
                    if (outClosed != null) wake(outClosed, outClosedWatch, direct = false)
                }
            }
        }
    }

    companion object {
        const val IN: Int = SelectionKey.OP_READ or SelectionKey.OP_ACCEPT
        const val OUT: Int = SelectionKey.OP_WRITE or SelectionKey.OP_CONNECT

        /** Results of [arm]. */
        private const val ARMED = 0
        private const val READY = 1
        private const val CANCELLED = 2

        private val NO_ELEMENTS = emptyArray<ThreadContextElement<Any?>>()

        @Suppress("UNCHECKED_CAST")
        private fun threadContextElements(context: CoroutineContext): Array<ThreadContextElement<Any?>> {
            val found = context.fold(ArrayList<ThreadContextElement<Any?>>(0)) { list, element ->
                if (element is ThreadContextElement<*>) list.add(element as ThreadContextElement<Any?>)
                list
            }
            return if (found.isEmpty()) NO_ELEMENTS else found.toTypedArray()
        }

        /**
         * Resumes a waiter: a callback runs, a continuation is resumed [direct]ly when its [watch]
         * allows it (on the loop thread, with its thread-context elements set), else dispatched.
         */
        @Suppress("UNCHECKED_CAST")
        private fun wake(waiter: Any, watch: Watch?, direct: Boolean) {
            if (waiter !is Continuation<*>) {
                (waiter as () -> Unit)()
                return
            }
            val continuation = waiter as Continuation<Unit>
            if (!direct || watch == null || !watch.direct) {
                continuation.intercepted().resume(Unit)
                return
            }
            val elements = watch.elements
            if (elements.isEmpty()) {
                continuation.resume(Unit)
                return
            }
            val context = watch.context
            val states = arrayOfNulls<Any?>(elements.size)
            for (i in elements.indices) states[i] = elements[i].updateThreadContext(context)
            try {
                continuation.resume(Unit)
            } finally {
                for (i in elements.indices.reversed()) elements[i].restoreThreadContext(context, states[i])
            }
        }
    }
}
