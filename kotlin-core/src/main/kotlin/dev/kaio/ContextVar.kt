package dev.kaio

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CopyableThreadContextElement
import kotlinx.coroutines.ExperimentalCoroutinesApi

/*
 * Overview: how values travel.
 *
 * A context is a `ContextValues` box holding an immutable map (ContextVar -> value). Each task owns
 * one box, carried by its `ContextVarsElement`, a CopyableThreadContextElement:
 *  - while a step of the task runs, the box is the thread's current box (a thread-local), so
 *    `get`/`set` are plain, non-suspending calls, on whatever thread or dispatcher the step runs;
 *  - when a child task is created, `copyForChild` gives it a new box holding the *same* immutable
 *    map (O(1)): the child starts from the parent's values at spawn time, and a `set` on either
 *    side replaces that side's map only (copy on write), so nothing leaks either way;
 *  - `withContext` keeps the box (same task), as a function call in asyncio keeps the context.
 * Code on a thread outside any task (plain Java threads) uses a box of its own per thread.
 */

/**
 * A task-local variable, Python's `contextvars.ContextVar`.
 *
 * **Semantics (asyncio's).** A task sees the values its parent had at the moment the task was
 * created; what a task sets is seen by itself and by tasks it creates afterwards, never by its
 * parent or its siblings. Values follow a task across suspensions, threads and dispatchers
 * (`withContext(Dispatchers.IO)`, [toThread], [cpuBound]).
 *
 * **Where values live.** In a coroutine, in the coroutine's [ContextVarsElement]. `EventLoop.run`,
 * every task started through the Java facade and every child of such a task have one. A coroutine
 * started elsewhere (a bare `runBlocking`, a scope of your own) gets one by adding [copyContext] to
 * its context; without it, `set` acts on the *thread's* values, shared by every such coroutine on
 * that thread. Code on a plain thread has its own values per thread.
 *
 * **Pay for what you use.** Carrying the element costs every resume of every task a thread-context
 * switch (about +55 % on a task that only yields), so loops and facade tasks carry it only once the
 * program has created a `ContextVar`. Create them as top-level values, before tasks start, as
 * Python's documentation also advises; a variable first created while a loop is running is
 * task-local only in loops and facade tasks started after that.
 *
 * **Java.** Tasks started through the facade begin with the values of the thread that started
 * them; callbacks of the futures the facade returns (`thenApply`, `whenComplete`, … without
 * `Async`) run, on completion by the task, with those same values.
 *
 * **Memory effects.** `set` is a write of the calling task only; values are immutable snapshots,
 * so a child sees the parent's values with the same guarantees as any captured object.
 *
 * ```
 * val requestId = ContextVar<String?>("requestId", null)
 * suspend fun handle(id: String) {
 *     requestId.set(id)
 *     gather({ fetchUser() }, { fetchCart() }) // both see id
 * }
 * ```
 */
public class ContextVar<T>(
    /** The variable's name, for messages and debugging. */
    public val name: String,
    /** The value seen where the variable was never set. */
    public val default: T,
) {
    init {
        ContextValues.inUse = true
    }

    /** The value of this variable in the current task (or thread), or [default]. */
    public fun get(): T = valueIn(ContextValues.current())

    /** The value of this variable in the task whose context is [context]; for thread-context bridges (logging MDC). */
    public fun get(context: CoroutineContext): T =
        valueIn(context[ContextVarsElement]?.values ?: ContextValues.current())

    /**
     * Sets the value for the current task (and the tasks it creates from now on) and returns a
     * token with which [reset] restores the previous value.
     */
    public fun set(value: T): Token<T> {
        val values = ContextValues.current()
        val old = values.map
        values.map = old + (this to value)
        return Token(this, values, old.containsKey(this), old[this])
    }

    /**
     * Restores the value this variable had before the [set] that returned [token].
     *
     * @throws IllegalArgumentException if [token] was made by another variable or in another task
     * @throws IllegalStateException if [token] was already used
     */
    public fun reset(token: Token<T>) {
        require(token.variable === this) { "Token of ContextVar '${token.variable.name}' used to reset '$name'" }
        val values = ContextValues.current()
        require(token.values === values) { "Token of ContextVar '$name' was created in a different task (context)" }
        check(!token.used) { "Token of ContextVar '$name' has already been used once" }
        token.used = true
        values.map = if (token.hadValue) values.map + (this to token.oldValue) else values.map - this
    }

    @Suppress("UNCHECKED_CAST")
    private fun valueIn(values: ContextValues): T {
        val map = values.map
        return if (map.containsKey(this)) map[this] as T else default
    }

    override fun toString(): String = "ContextVar($name)"

    /** What [set] returns: the way back to the previous value, usable once, in the same task. */
    public class Token<T> internal constructor(
        /** The variable that was set. */
        public val variable: ContextVar<T>,
        internal val values: ContextValues,
        internal val hadValue: Boolean,
        internal val oldValue: Any?,
    ) {
        internal var used = false
    }
}

/** The values of every [ContextVar] for one task. */
internal class ContextValues(var map: Map<ContextVar<*>, Any?>) {
    companion object {
        /** True once any [ContextVar] exists: until then loops and facade tasks skip the element. */
        @Volatile
        @JvmStatic
        var inUse: Boolean = false

        /** The caller's values as an element for a new loop or task, or nothing while no variable exists. */
        fun forNewTask(): CoroutineContext = if (inUse) copyContext() else EmptyCoroutineContext

        private val current = ThreadLocal.withInitial { ContextValues(emptyMap()) }

        fun current(): ContextValues = current.get()

        fun install(values: ContextValues): ContextValues = current.get().also { current.set(values) }
    }
}

/**
 * Carries a task's context-variable values (see [ContextVar]); each child task gets a copy.
 * Obtain one with [copyContext].
 */
@OptIn(ExperimentalCoroutinesApi::class)
public class ContextVarsElement internal constructor(internal val values: ContextValues) :
    AbstractCoroutineContextElement(Key), CopyableThreadContextElement<Any> {
    /** The context key. */
    public companion object Key : CoroutineContext.Key<ContextVarsElement>

    override fun updateThreadContext(context: CoroutineContext): Any = ContextValues.install(values)

    override fun restoreThreadContext(context: CoroutineContext, oldState: Any) {
        ContextValues.install(oldState as ContextValues)
    }

    override fun copyForChild(): CopyableThreadContextElement<Any> = ContextVarsElement(ContextValues(values.map))

    override fun mergeForChild(overwritingElement: CoroutineContext.Element): CoroutineContext =
        ContextVarsElement(ContextValues((overwritingElement as ContextVarsElement).values.map))

    override fun toString(): String = "ContextVars(${values.map.entries.joinToString { "${it.key.name}=${it.value}" }})"
}

/**
 * A copy of the current values of every [ContextVar] (of the calling task, or of the thread), as
 * an element to start coroutines with: Python's `contextvars.copy_context()`.
 * `launch(Dispatchers.IO + copyContext()) { … }` gives a coroutine outside any Kaio loop its own
 * values, starting from the caller's.
 */
public fun copyContext(): ContextVarsElement = ContextVarsElement(ContextValues(ContextValues.current().map))

/** Runs [block] with the thread's context values replaced by [values] (Java callbacks of a task's future). */
internal inline fun <R> withContextValues(values: ContextValues, block: () -> R): R {
    val previous = ContextValues.install(values)
    try {
        return block()
    } finally {
        ContextValues.install(previous)
    }
}
