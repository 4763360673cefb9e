package dev.kaio.io

import java.io.EOFException
import java.io.IOException

/**
 * The stream ended before [StreamReader.readExactly] or [StreamReader.readUntil] got what it asked
 * for, asyncio's `IncompleteReadError` (an `EOFError`, here a [java.io.EOFException]).
 *
 * The bytes that were read before the end are not lost: they are in [partial], and the reader is
 * at its end ([StreamReader.atEof]).
 */
public class IncompleteReadException(
    /** The bytes read before the end of the stream (possibly none). */
    public val partial: ByteArray,
    /** How many bytes were expected, or null when reading up to a separator. */
    public val expected: Int?,
) : EOFException(
    if (expected != null) {
        "${partial.size} bytes read on a total of $expected expected bytes"
    } else {
        "The stream ended after ${partial.size} bytes, before the separator"
    },
)

/**
 * A line or a chunk up to a separator is longer than the reader's limit, asyncio's
 * `LimitOverrunError`. The reader stays usable; what happened to the data is said by the method
 * that threw ([StreamReader.readUntil] leaves it in the buffer, [StreamReader.readLine] skips the
 * line).
 */
public class LimitOverrunException(
    message: String,
    /** How many bytes of the buffer belong to the chunk that overran (asyncio's `consumed`). */
    public val consumed: Int,
) : IOException(message)

/**
 * A program given to [Subprocess.exec] could not be found or is not executable. The message names
 * the program and the search path; the JDK's own `IOException` is the cause.
 */
public class ExecutableNotFoundException(message: String, cause: Throwable?) : IOException(message, cause)
