package dev.kaio

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
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
 * ends. Kaio does the same: inside `EventLoop.run` (or any `runAsLoop` block) a [LoopBinding] in
 * the coroutine context names the loop's background scope, and a thread-local mirrors it so that
 * Java code, which cannot read a coroutine context, finds it too. Outside any loop the owner is
 * [BackgroundScope] on `Dispatchers.Default`.
 */

/** The loop a coroutine runs in. */
internal class LoopBinding : AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<LoopBinding> {
        private val current = ThreadLocal<LoopBinding?>()

        /** The loop whose coroutine is running on this thread right now, if any. */
        fun onThisThread(): LoopBinding? = current.get()

        /** Makes [binding] the loop of this thread (for a thread that belongs to the loop); returns the previous one. */
        fun bindThisThread(binding: LoopBinding?): LoopBinding? = current.get().also { current.set(binding) }
    }

    /** Where ownerless tasks of this loop live: a supervisor, cancelled when the loop ends. */
    lateinit var scope: CoroutineScope

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
    currentCoroutineContext()[LoopBinding]?.scope ?: BackgroundScope

/** The scope that owns ownerless tasks for code on this thread (the Java facade's view). */
internal fun ownerScopeOnThisThread(): CoroutineScope = LoopBinding.onThisThread()?.scope ?: BackgroundScope

/**
 * Runs [block] as the main task of a loop on the caller's dispatcher: ownerless work started inside
 * it belongs to the loop (and, for Java, to code on the loop's thread; [ownsThread] says that the
 * dispatcher is a thread of the loop's own), and when [block] returns or fails, every task it left running (its
 * children and the loop's background tasks) is cancelled and awaited, as `asyncio.run` does.
 */
internal suspend fun <T> runLoop(ownsThread: Boolean, block: suspend CoroutineScope.() -> T): T = coroutineScope {
    val binding = LoopBinding()
    val shared = if (ownsThread) binding else binding + SharedThreadBinding(binding)
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
