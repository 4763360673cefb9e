package dev.kaio

/**
 * How one task ended: with a value ([Success]) or an exception ([Failure]); what [gatherSettled]
 * returns for each task, asyncio's `gather(return_exceptions=True)`.
 *
 * A cancelled task is a [Failure] whose exception is a `CancellationException`.
 */
public sealed class Outcome<out T> {
    /** The task returned [value]. */
    public data class Success<out T>(public val value: T) : Outcome<T>()

    /** The task threw [exception]. */
    public data class Failure(public val exception: Throwable) : Outcome<Nothing>()

    /** True for [Success]. */
    public val isSuccess: Boolean get() = this is Success

    /** The value of a [Success]; the exception of a [Failure] is thrown. */
    public fun getOrThrow(): T = when (this) {
        is Success -> value
        is Failure -> throw exception
    }

    /** The value of a [Success], or null. */
    public fun getOrNull(): T? = (this as? Success)?.value

    /** The exception of a [Failure], or null. */
    public fun exceptionOrNull(): Throwable? = (this as? Failure)?.exception
}
