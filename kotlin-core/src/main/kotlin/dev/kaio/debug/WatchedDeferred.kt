package dev.kaio.debug

import kotlinx.coroutines.Deferred
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.InternalForInheritanceCoroutinesApi
import kotlinx.coroutines.selects.SelectClause1

/**
 * [task] itself, by delegation, except that every way of reading its outcome sets [retrieved] (the
 * rule is in [UnretrievedFailures]).
 *
 * kotlinx marks `Deferred` as not meant to be implemented outside the library
 * (`InternalForInheritanceCoroutinesApi`): a member added to it in a later kotlinx release would be
 * delegated only once Kaio is compiled against that release. Delegating every member, rather than
 * extending kotlinx's `JobSupport`, keeps the risk to that.
 */
@OptIn(InternalForInheritanceCoroutinesApi::class, InternalCoroutinesApi::class)
internal class WatchedDeferred<T>(val task: Deferred<T>) : Deferred<T> by task {
    @Volatile
    var retrieved = false

    override suspend fun await(): T {
        retrieved = true
        return task.await()
    }

    override fun getCompleted(): T {
        retrieved = true
        return task.getCompleted()
    }

    override fun getCompletionExceptionOrNull(): Throwable? {
        retrieved = true
        return task.getCompletionExceptionOrNull()
    }

    override fun getCancellationException(): java.util.concurrent.CancellationException {
        retrieved = true
        return task.getCancellationException()
    }

    override val onAwait: SelectClause1<T>
        get() {
            retrieved = true
            return task.onAwait
        }

    override fun invokeOnCompletion(handler: (cause: Throwable?) -> Unit): DisposableHandle {
        retrieved = true
        return task.invokeOnCompletion(handler)
    }

    override fun invokeOnCompletion(
        onCancelling: Boolean,
        invokeImmediately: Boolean,
        handler: (cause: Throwable?) -> Unit,
    ): DisposableHandle {
        retrieved = true
        return task.invokeOnCompletion(onCancelling, invokeImmediately, handler)
    }

    override fun toString(): String = task.toString()
}
