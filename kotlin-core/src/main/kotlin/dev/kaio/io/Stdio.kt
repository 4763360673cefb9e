package dev.kaio.io

import java.io.File
import java.lang.ProcessBuilder.Redirect
import java.nio.file.Path

/**
 * Where one of a [Subprocess]'s standard streams goes, asyncio's `stdin=`/`stdout=`/`stderr=`
 * arguments: [PIPE] (read or write it from Kaio), [INHERIT] (the JVM's own stream), [DISCARD]
 * (`DEVNULL`), a [file], or for stderr only [STDOUT] (merged into stdout).
 */
public class Stdio private constructor(
    private val kind: String,
    /** The file of [file] and [append], else null. */
    public val path: Path?,
) {
    internal val isPipe: Boolean get() = this === PIPE

    internal fun forInput(): Redirect = when {
        this === PIPE -> Redirect.PIPE
        this === INHERIT -> Redirect.INHERIT
        this === DISCARD -> Redirect.from(File(if (isWindows) "NUL" else "/dev/null"))
        this === STDOUT -> throw IllegalArgumentException("Stdio.STDOUT is only valid for stderr")
        else -> Redirect.from(path!!.toFile())
    }

    internal fun forOutput(stream: String): Redirect = when {
        this === PIPE -> Redirect.PIPE
        this === INHERIT -> Redirect.INHERIT
        this === DISCARD -> Redirect.DISCARD
        this === STDOUT -> throw IllegalArgumentException("Stdio.STDOUT is only valid for stderr, not for $stream")
        kind == "append" -> Redirect.appendTo(path!!.toFile())
        else -> Redirect.to(path!!.toFile())
    }

    override fun toString(): String = if (path == null) "Stdio.$kind" else "Stdio.$kind($path)"

    public companion object {
        /** A pipe: the process's `stdin`, `stdout` or `stderr` property gives its Kaio stream. */
        @JvmField
        public val PIPE: Stdio = Stdio("PIPE", null)

        /** The JVM's own stream (asyncio's default, `None`). */
        @JvmField
        public val INHERIT: Stdio = Stdio("INHERIT", null)

        /** Nothing: output is thrown away, input is empty (`subprocess.DEVNULL`). */
        @JvmField
        public val DISCARD: Stdio = Stdio("DISCARD", null)

        /** For stderr only: into the same destination as stdout (`subprocess.STDOUT`). */
        @JvmField
        public val STDOUT: Stdio = Stdio("STDOUT", null)

        /** A file: read from for stdin; for output, created or truncated. */
        @JvmStatic
        public fun file(path: Path): Stdio = Stdio("file", path)

        /** A file appended to (output streams only). */
        @JvmStatic
        public fun append(path: Path): Stdio = Stdio("append", path)

        internal val isWindows = System.getProperty("os.name").startsWith("Windows")
    }
}
