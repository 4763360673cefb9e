package dev.kaio.samples.cli

import java.io.IOException
import java.io.PrintStream
import java.nio.channels.UnresolvedAddressException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** A usage error: the launcher prints [message] and the usage, and exits 2. */
internal class UsageException(message: String) : Exception(message)

/**
 * A small GNU-style option parser, so the launcher needs no CLI library: `--name value`,
 * `--name=value`, `--help`/`-h`. Options not in `known` are usage errors; positional arguments are
 * kept in [positional]. An option given several times keeps every value ([strings]); the
 * single-value getters take the last one.
 */
internal class Options private constructor(
    private val all: Map<String, List<String>>,
    val positional: List<String>,
) {
    private val values: Map<String, String> = all.mapValues { it.value.last() }

    fun string(name: String, default: String): String = values[name] ?: default

    fun stringOrNull(name: String): String? = values[name]

    /** Every value given for a repeatable option, in order; empty when it was not given. */
    fun strings(name: String): List<String> = all[name].orEmpty()

    fun int(name: String, default: Int, range: IntRange = Int.MIN_VALUE..Int.MAX_VALUE): Int {
        val raw = values[name] ?: return default
        val value = raw.toIntOrNull() ?: throw UsageException("--$name expects a number: '$raw'")
        if (value !in range) throw UsageException("--$name must be in ${range.first}..${range.last}: $value")
        return value
    }

    /** A duration such as `5s`, `500ms` or `2` (seconds). */
    fun duration(name: String, default: Duration): Duration {
        val raw = values[name] ?: return default
        val match = Regex("""(\d+)(ms|s)?""").matchEntire(raw) ?: throw UsageException("--$name expects a duration such as 5s or 500ms: '$raw'")
        val amount = match.groupValues[1].toLong()
        return if (match.groupValues[2] == "ms") amount.milliseconds else amount.seconds
    }

    companion object {
        /** Parses [args]; returns null when help was asked for (after printing [usage]). */
        fun parse(args: List<String>, known: Set<String>, usage: String, out: PrintStream, maxPositional: Int = 0): Options? {
            val values = LinkedHashMap<String, MutableList<String>>()
            val positional = ArrayList<String>()
            var i = 0
            while (i < args.size) {
                val arg = args[i]
                when {
                    arg == "--help" || arg == "-h" -> {
                        out.println(usage)
                        return null
                    }
                    arg.startsWith("--") -> {
                        val name = arg.substring(2).substringBefore('=')
                        if (name !in known) throw UsageException("unknown option '--$name'")
                        val value = if ('=' in arg) arg.substringAfter('=') else {
                            i++
                            args.getOrNull(i) ?: throw UsageException("--$name needs a value")
                        }
                        values.getOrPut(name) { ArrayList() } += value
                    }
                    arg.startsWith("-") && arg.length > 1 -> throw UsageException("unknown option '$arg'")
                    else -> {
                        if (positional.size >= maxPositional) throw UsageException("unexpected argument '$arg'")
                        positional += arg
                    }
                }
                i++
            }
            return Options(values, positional)
        }
    }
}

/**
 * Runs a sample's [body], turning a [UsageException] into a message, the usage and exit code 2,
 * and a network failure (a port in use, a refused or reset connection, an unknown host) into a
 * one-line message and exit code 1.
 */
internal inline fun runSample(command: String, usage: String, body: () -> Int): Int = try {
    body()
} catch (bad: UsageException) {
    System.err.println("kaio-samples $command: ${bad.message}")
    System.err.println(usage)
    2
} catch (failure: IOException) {
    System.err.println("kaio-samples $command: ${failure.message ?: failure}")
    1
} catch (unknown: UnresolvedAddressException) {
    System.err.println("kaio-samples $command: unknown host (--host)")
    1
}
