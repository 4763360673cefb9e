package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.debug.Timings
import dev.kaio.debug.timed as kaioTimed
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.Supplier

/** The non-suspend entry points of `dev.kaio.debug` for `dev.kaio.java.debug`. */
@InternalKaioApi
public object DebugInterop {
    /** `timed` around a stage that belongs to the task: cancelling the returned future cancels it. */
    @JvmStatic
    public fun <T> timed(name: String, timings: Timings, task: Supplier<out CompletionStage<T>>): CompletableFuture<T> {
        require(name.isNotBlank()) { "a timing needs a name, got '$name'" }
        return launchFuture { kaioTimed(name, timings) { task.get().awaitOwned() } }
    }
}
