package dev.kaio

import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.job
import kotlinx.coroutines.withContext

/*
 * Overview: who owns a task that has no structured parent.
 *
 * Most Kaio work is a child of its caller. Two kinds are not: the inner work of `shield`, which
 * must outlive a cancelled caller, and work started from Java, where there is no coroutine to be
 * the parent. asyncio gives such tasks to the running loop, which cancels them when `asyncio.run`
 * ends. Kaio does the same: inside `EventLoop.run` (or any `runAsLoop` block) a [LoopBinding] names
 * the loop's background scope. Outside any loop the owner is [BackgroundScope] on
 * `Dispatchers.Default`.
 *
 * How code finds its loop ([LoopBinding.of]):
 *  - A loop that owns its thread (`EventLoop.run`) registers the job that all its tasks descend
 *    from, and a thread-local names it on the loop's thread (Java code, which cannot read a
 *    coroutine context, looks only there). It adds no element to its tasks' context: kotlinx folds
 *    over a task's whole context each time it starts one, and one element more cost about a tenth
 *    of the Java facade's gather time (`GatherBenchmark`).
 *  - A loop that shares its thread (`runAsLoop`, for tests) puts the binding in its context and
 *    sets the thread-local around each of its steps.
 */

/** The loop a coroutine runs in. */
internal class LoopBinding : AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<LoopBinding> {
        private val current = ThreadLocal<LoopBinding?>()

        /** Loops that own their thread, by the job all their tasks descend from. */
        private val byRootJob = ConcurrentHashMap<Job, LoopBinding>()

        /** The loop whose coroutine is running on this thread right now, if any. */
        fun onThisThread(): LoopBinding? = current.get()

        /** Makes [binding] the loop of this thread (for a thread that belongs to the loop); returns the previous one. */
        fun bindThisThread(binding: LoopBinding?): LoopBinding? = current.get().also { current.set(binding) }

        /**
         * The loop that code running in [context] belongs to, if any: the binding in the context, else
         * a registered loop among the task's ancestors, else the loop of this thread (which covers a
         * task under `withContext(NonCancellable)`, whose job has no parent).
         */
        @OptIn(ExperimentalCoroutinesApi::class)
        fun of(context: CoroutineContext): LoopBinding? {
            context[LoopBinding]?.let { return it }
            if (byRootJob.isNotEmpty()) {
                var job = context[Job]
                while (job != null) {
                    byRootJob[job]?.let { return it }
                    job = job.parent
                }
            }
            return current.get()
        }

        /** How many loops are registered now (for tests: none once every loop has ended). */
        fun registeredLoopCount(): Int = byRootJob.size
    }

    /** Where ownerless tasks of this loop live: a supervisor, cancelled when the loop ends. */
    lateinit var scope: CoroutineScope

    /** The deadlines of the loop's timeouts, for a loop that owns its thread and whose dispatcher has a timer. */
    var timers: TimerSet? = null

    private var root: Job? = null

    /** Makes this the loop of every task under [job] (for a loop that owns its thread). */
    fun register(job: Job) {
        root = job
        byRootJob[job] = this
    }

    fun unregister() {
        root?.let { byRootJob.remove(it) }
    }

    override fun toString(): String = "LoopBinding"
}

/**
 * Installs a loop as the thread's current loop while one of its coroutines runs: needed only when
 * the loop shares its thread with other work (a test thread). `EventLoop` owns its thread and
 * binds it once, which spares every resume the thread-context switch.
 */
private class SharedThreadBinding(private val binding: LoopBinding) :
    AbstractCoroutineContextElement(Key), ThreadContextElement<LoopBinding?> {
    companion object Key : CoroutineContext.Key<SharedThreadBinding>

    override fun updateThreadContext(context: CoroutineContext): LoopBinding? = LoopBinding.bindThisThread(binding)

    override fun restoreThreadContext(context: CoroutineContext, oldState: LoopBinding?) {
        LoopBinding.bindThisThread(oldState)
    }
}

/** The owner of ownerless tasks started outside any loop. Never cancelled. */
internal object BackgroundScope : CoroutineScope {
    override val coroutineContext: CoroutineContext =
        SupervisorJob() + Dispatchers.Default + CoroutineName("kaio-background")
}

/** The scope that owns ownerless tasks for the calling coroutine. */
internal suspend fun ownerScope(): CoroutineScope =
    LoopBinding.of(currentCoroutineContext())?.scope ?: BackgroundScope

/** The scope that owns ownerless tasks for code on this thread (the Java facade's view). */
internal fun ownerScopeOnThisThread(): CoroutineScope = LoopBinding.onThisThread()?.scope ?: BackgroundScope

/**
 * Runs [block] as the main task of a loop on the caller's dispatcher: ownerless work started inside
 * it belongs to the loop (and, for Java, to code on the loop's thread; [ownsThread] says that the
 * dispatcher is a thread of the loop's own), and when [block] returns or fails, every task it left running (its
 * children and the loop's background tasks) is cancelled and awaited, as `asyncio.run` does.
 */
@OptIn(InternalCoroutinesApi::class)
internal suspend fun <T> runLoop(ownsThread: Boolean, block: suspend CoroutineScope.() -> T): T {
    val binding = LoopBinding()
    try {
        return coroutineScope {
            if (ownsThread) {
                binding.register(coroutineContext.job)
                binding.timers = (coroutineContext[ContinuationInterceptor] as? Delay)?.let { TimerSet(it) }
            }
            val shared = if (ownsThread) EmptyCoroutineContext else binding + SharedThreadBinding(binding)
            // Every loop task has context variables of its own, starting from the caller's.
            val elements = if (coroutineContext[ContextVarsElement] == null) shared + ContextValues.forNewTask() else shared
            val background = SupervisorJob(coroutineContext.job)
            binding.scope = CoroutineScope(coroutineContext.minusKey(Job) + background + elements)
            val previous = if (ownsThread) LoopBinding.bindThisThread(binding) else null
            try {
                withContext(elements) {
                    val result = block()
                    // asyncio.run semantics: main returning ends the loop; leftovers are cancelled, not awaited to completion.
                    coroutineContext.job.children.forEach { it.cancel() }
                    result
                }
            } finally {
                background.cancel()
                if (ownsThread) LoopBinding.bindThisThread(previous)
            }
        }
    } finally {
        // Only now: tasks still finishing after main (coroutineScope waits for them) find their loop.
        binding.unregister()
        binding.timers?.close()
    }
}
