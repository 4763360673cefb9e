package dev.kaio.io

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import java.nio.file.Path
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit

/**
 * A running program, asyncio's `asyncio.subprocess.Process`, started by [exec] or [shell].
 *
 * **Streams.** Each of stdin, stdout and stderr is chosen with a [Stdio]: [Stdio.PIPE] makes
 * [stdin] a [StreamWriter] and [stdout]/[stderr] [StreamReader]s (also as line flows,
 * [stdoutLines], [stderrLines]). The pipes of a `java.lang.Process` are blocking streams, so each
 * *piped* stream costs one blocked thread of `Dispatchers.IO` for the life of the process (sockets,
 * by contrast, use no thread per connection). Pipes are bounded: a process whose output nobody
 * reads blocks once about 64 KiB are waiting in Kaio plus the operating system's pipe buffer —
 * read both outputs, or use [communicate], which reads them concurrently.
 *
 * **Cancellation.** Cancelling a task that waits in [wait] or [communicate] terminates the
 * process *and its descendants* (`ProcessHandle.descendants()`, taken before the signal) with
 * SIGTERM, waits up to the grace period given at start (2 s by default) and then kills the
 * survivors with SIGKILL, and only then lets the cancellation propagate: when the cancelled call
 * returns, no process of the tree is left (grandchildren started after the snapshot and
 * detached from the tree may escape; a zombie counts as gone). asyncio leaves the process running;
 * Kaio does not, so that a timeout really stops the work. [terminate] and [kill] signal the
 * process only, as in asyncio.
 *
 * **Misuse.** Reading [stdout] of a process whose stdout is not [Stdio.PIPE] throws
 * [IllegalStateException] naming the stream and its [Stdio].
 */
public interface Subprocess {
    /** The process id. */
    public val pid: Long

    /** The command and arguments the process was started with. */
    public val command: List<String>

    /** The exit code, or null while the process runs (asyncio's `returncode`). */
    public val exitCode: Int?

    /** The process's stdin. @throws IllegalStateException unless stdin is [Stdio.PIPE]. */
    public val stdin: StreamWriter

    /** The process's stdout. @throws IllegalStateException unless stdout is [Stdio.PIPE]. */
    public val stdout: StreamReader

    /** The process's stderr. @throws IllegalStateException unless stderr is [Stdio.PIPE]. */
    public val stderr: StreamReader

    /** The lines of [stdout] (see [StreamReader.lines]). */
    public fun stdoutLines(): Flow<String> = stdout.lines()

    /** The lines of [stderr] (see [StreamReader.lines]). */
    public fun stderrLines(): Flow<String> = stderr.lines()

    /**
     * Suspends until the process exits and returns its exit code (on Unix, 128 + the signal number
     * when a signal ended it). Cancelling the waiting task terminates the process tree (see
     * [Subprocess]); the cancellation propagates once the process has exited, so [exitCode] is
     * known by then.
     */
    public suspend fun wait(): Int

    /** Asks the process to stop: SIGTERM on Unix. No effect once it has exited. */
    public fun terminate()

    /** Stops the process at once: SIGKILL on Unix. No effect once it has exited. */
    public fun kill()

    /**
     * Sends [input] (if not null) to stdin and closes it, reads stdout and stderr to their end
     * concurrently, and waits for the exit: asyncio's `communicate`. Streams that are not piped
     * give null output. Both outputs are read at the same time, so a process writing megabytes to
     * each cannot deadlock. A process that exits without reading its input is not an error.
     *
     * With a [timeout], a process still running at the deadline is terminated with its tree (see
     * [Subprocess]) and the call throws [dev.kaio.DeadlineExceededException] (a
     * `TimeoutException`). Outputs are held in memory without limit: for large or endless output
     * read the streams instead.
     *
     * @throws IllegalArgumentException if [input] is given but stdin is not [Stdio.PIPE].
     */
    public suspend fun communicate(input: ByteArray? = null, timeout: Duration? = null): CompletedProcess

    public companion object {
        /** How long a cancelled [wait] lets a terminated process tree exit before killing it. */
        public val DEFAULT_TERMINATE_GRACE: Duration = 2.seconds

        /**
         * Starts [program] with [args], asyncio's `create_subprocess_exec`: no shell is involved,
         * each argument reaches the program as it is. The program is looked up in the `PATH`.
         *
         * @param workingDirectory the directory to run in; null: the JVM's.
         * @param environment the whole environment of the process; null: the JVM's (to add a
         *   variable, pass `System.getenv() + ("NAME" to "value")`).
         * @param stdin where stdin comes from (default [Stdio.INHERIT], as asyncio).
         * @param stdout where stdout goes (default [Stdio.INHERIT]).
         * @param stderr where stderr goes (default [Stdio.INHERIT]; [Stdio.STDOUT] merges it).
         * @param terminateGrace how long cancellation waits after SIGTERM before SIGKILL.
         * @param limit the [StreamReader.limit] of the piped outputs.
         * @throws ExecutableNotFoundException if [program] does not exist or is not executable.
         * @throws java.nio.file.NoSuchFileException if [workingDirectory] does not exist.
         */
        public suspend fun exec(
            program: String,
            vararg args: String,
            workingDirectory: Path? = null,
            environment: Map<String, String>? = null,
            stdin: Stdio = Stdio.INHERIT,
            stdout: Stdio = Stdio.INHERIT,
            stderr: Stdio = Stdio.INHERIT,
            terminateGrace: Duration = DEFAULT_TERMINATE_GRACE,
            limit: Int = StreamReader.DEFAULT_LIMIT,
        ): Subprocess = startProcess(
            listOf(program, *args), workingDirectory, environment, stdin, stdout, stderr, terminateGrace, limit,
        )

        /**
         * Runs [commandLine] with the system shell (`/bin/sh -c`, `cmd.exe /c` on Windows),
         * asyncio's `create_subprocess_shell`. Only call it with trusted text: the shell
         * interprets quotes, `;`, `$(…)` and the rest. Cancellation terminates the shell and its
         * descendants, so the commands it started stop too. Parameters as [exec].
         */
        public suspend fun shell(
            commandLine: String,
            workingDirectory: Path? = null,
            environment: Map<String, String>? = null,
            stdin: Stdio = Stdio.INHERIT,
            stdout: Stdio = Stdio.INHERIT,
            stderr: Stdio = Stdio.INHERIT,
            terminateGrace: Duration = DEFAULT_TERMINATE_GRACE,
            limit: Int = StreamReader.DEFAULT_LIMIT,
        ): Subprocess = startProcess(
            shellCommand(commandLine), workingDirectory, environment, stdin, stdout, stderr, terminateGrace, limit,
        )

        /**
         * Runs [command] (program and arguments, no shell) to its end and returns its outputs:
         * Python's `subprocess.run(capture_output=True)`. stdout and stderr are piped; stdin is
         * piped when [input] is given, else empty ([Stdio.DISCARD]). A non-zero exit code is not
         * an exception: check [CompletedProcess.exitCode]. [timeout] as in [communicate].
         */
        public suspend fun run(
            command: List<String>,
            input: ByteArray? = null,
            timeout: Duration? = null,
            workingDirectory: Path? = null,
            environment: Map<String, String>? = null,
        ): CompletedProcess {
            require(command.isNotEmpty()) { "command must not be empty" }
            val process = startProcess(
                command, workingDirectory, environment,
                if (input != null) Stdio.PIPE else Stdio.DISCARD, Stdio.PIPE, Stdio.PIPE,
                DEFAULT_TERMINATE_GRACE, StreamReader.DEFAULT_LIMIT,
            )
            return process.communicate(input, timeout)
        }

        /**
         * Runs every command of [commands] with [run], at most [concurrency] at a time, and returns
         * their results in the order of [commands] (the book's 13.1.2 in one line):
         *
         * ```
         * val results = Subprocess.runAll(files.map { listOf("gzip", "-k", it) }, concurrency = 4)
         * ```
         *
         * Structured like `gather`: if one command cannot start (or times out), the others are
         * cancelled, which terminates their process trees, and that failure is thrown.
         *
         * @throws IllegalArgumentException if [concurrency] is not positive.
         */
        public suspend fun runAll(
            commands: List<List<String>>,
            concurrency: Int,
            timeout: Duration? = null,
        ): List<CompletedProcess> {
            require(concurrency > 0) { "concurrency must be positive: $concurrency" }
            val permits = Semaphore(concurrency)
            return coroutineScope {
                commands.map { command -> async { permits.withPermit { run(command, timeout = timeout) } } }.awaitAll()
            }
        }

        internal fun shellCommand(commandLine: String): List<String> =
            if (Stdio.isWindows) listOf("cmd.exe", "/c", commandLine) else listOf("/bin/sh", "-c", commandLine)
    }
}

/**
 * What a finished process left: its [exitCode] and the outputs that were piped (null for a stream
 * that was not), as Python's `CompletedProcess`.
 */
public class CompletedProcess(
    /** The command and arguments. */
    public val command: List<String>,
    /** The exit code. */
    public val exitCode: Int,
    /** All of stdout, or null if it was not piped. */
    public val stdout: ByteArray?,
    /** All of stderr, or null if it was not piped. */
    public val stderr: ByteArray?,
) {
    /** [stdout] decoded as UTF-8 (null if not piped). */
    public val stdoutText: String? get() = stdout?.toString(Charsets.UTF_8)

    /** [stderr] decoded as UTF-8 (null if not piped). */
    public val stderrText: String? get() = stderr?.toString(Charsets.UTF_8)

    override fun toString(): String =
        "CompletedProcess(command=$command, exitCode=$exitCode, stdout=${stdout?.size} bytes, stderr=${stderr?.size} bytes)"
}
