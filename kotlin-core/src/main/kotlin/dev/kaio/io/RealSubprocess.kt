package dev.kaio.io

import dev.kaio.interop.awaitBorrowed
import dev.kaio.timeout
import java.io.IOException
import java.nio.file.Files
import java.nio.file.NoSuchFileException
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

internal suspend fun startProcess(
    command: List<String>,
    workingDirectory: Path?,
    environment: Map<String, String>?,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    terminateGrace: Duration,
    limit: Int,
): Subprocess {
    require(command.isNotEmpty()) { "command must not be empty" }
    require(!terminateGrace.isNegative()) { "terminateGrace must not be negative: $terminateGrace" }
    require(limit > 0) { "limit must be positive: $limit" }
    val builder = ProcessBuilder(command)
    if (workingDirectory != null) {
        if (!Files.isDirectory(workingDirectory)) {
            throw NoSuchFileException(workingDirectory.toString(), null, "working directory does not exist")
        }
        builder.directory(workingDirectory.toFile())
    }
    if (environment != null) {
        builder.environment().clear()
        builder.environment().putAll(environment)
    }
    builder.redirectInput(stdin.forInput())
    builder.redirectOutput(stdout.forOutput("stdout"))
    if (stderr === Stdio.STDOUT) builder.redirectErrorStream(true) else builder.redirectError(stderr.forOutput("stderr"))
    var started: Process? = null
    val process = try {
        withContext(Dispatchers.IO) {
            try {
                builder.start().also { started = it }
            } catch (e: IOException) {
                throw explainStartFailure(e, command[0], environment)
            }
        }
    } catch (cancelled: CancellationException) {
        // Cancelled while the process was being started (runAll cancelling the others, say):
        // withContext drops the Process, so nobody could ever stop it. Kill it, as a cancelled
        // wait() would (no grace: it has had no time to do anything worth finishing).
        started?.let { orphan ->
            orphan.descendants().forEach { it.destroyForcibly() }
            orphan.destroyForcibly()
        }
        throw cancelled
    }
    return RealSubprocess(process, command, stdin, stdout, stderr, terminateGrace, limit)
}

private fun explainStartFailure(e: IOException, program: String, environment: Map<String, String>?): IOException {
    val message = e.message ?: return e
    val path = (environment ?: System.getenv())["PATH"]
    // JDK 17: "error=2, No such file or directory"; JDK 25: "Exec failed, error: 2 (No such file or directory)".
    val errno = Regex("""error(?:=|: )(\d+)""").find(message)?.groupValues?.get(1)
    return when (errno) {
        "2" -> ExecutableNotFoundException(
            "Cannot run program '$program': no such file (searched PATH=$path)", e,
        )
        "13" -> ExecutableNotFoundException(
            "Cannot run program '$program': permission denied (not executable, or a directory)", e,
        )
        else -> e
    }
}

/*
 * Pumps of piped streams run in `pumps`, a scope of its own on Dispatchers.IO: they end by
 * themselves at end of stream (the process exited and closed its pipes).
 */
internal class RealSubprocess(
    private val process: Process,
    override val command: List<String>,
    private val stdinMode: Stdio,
    private val stdoutMode: Stdio,
    private val stderrMode: Stdio,
    private val terminateGrace: Duration,
    limit: Int,
) : Subprocess {
    private val pumps = CoroutineScope(SupervisorJob() + Dispatchers.IO + CoroutineName("kaio-process-${process.pid()}"))
    private val exit = process.onExit()

    private val stdinWriter = if (stdinMode.isPipe) PipeWriter(process.outputStream, pumps) else null
    private val stdoutReader = if (stdoutMode.isPipe) BufferedStreamReader(PipeSource(process.inputStream, pumps), limit) else null
    private val stderrReader = if (stderrMode.isPipe) BufferedStreamReader(PipeSource(process.errorStream, pumps), limit) else null

    override val pid: Long get() = process.pid()

    override val exitCode: Int? get() = if (process.isAlive) null else process.exitValue()

    override val stdin: StreamWriter
        get() = stdinWriter ?: throw IllegalStateException("stdin of $pid is $stdinMode, not Stdio.PIPE")
    override val stdout: StreamReader
        get() = stdoutReader ?: throw IllegalStateException("stdout of $pid is $stdoutMode, not Stdio.PIPE")
    override val stderr: StreamReader
        get() = stderrReader ?: throw IllegalStateException("stderr of $pid is $stderrMode, not Stdio.PIPE")

    override suspend fun wait(): Int {
        try {
            exit.awaitBorrowed()
        } catch (cancelled: CancellationException) {
            withContext(NonCancellable) { terminateTree() }
            throw cancelled
        }
        return process.exitValue()
    }

    override fun terminate() {
        process.destroy()
    }

    override fun kill() {
        process.destroyForcibly()
    }

    override suspend fun communicate(input: ByteArray?, timeout: Duration?): CompletedProcess {
        require(input == null || stdinWriter != null) { "communicate(input) needs stdin = Stdio.PIPE, it is $stdinMode" }
        return if (timeout == null) exchange(input) else timeout(timeout) { exchange(input) }
    }

    private suspend fun exchange(input: ByteArray?): CompletedProcess = coroutineScope {
        val out = stdoutReader?.let { reader -> async { reader.readToEnd() } }
        val err = stderrReader?.let { reader -> async { reader.readToEnd() } }
        stdinWriter?.let { writer ->
            launch {
                try {
                    if (input != null && input.isNotEmpty()) {
                        writer.write(input)
                        writer.drain()
                    }
                    writer.close()
                } catch (ignored: IOException) {
                    // The process exited without reading all its input (asyncio ignores BrokenPipeError too).
                } catch (ignored: IllegalStateException) {
                    // stdin was already closed by the caller.
                }
            }
        }
        val code = wait()
        CompletedProcess(command, code, out?.await(), err?.await())
    }

    /**
     * SIGTERM to the process and its descendants, then SIGKILL to what is left after the grace
     * period; returns once the process itself has been reaped, so that [exitCode] is known to
     * whoever catches the cancellation.
     */
    internal suspend fun terminateTree() {
        signalTree()
        // A dead child stays a zombie until the JVM's reaper thread collects it, a moment later.
        withTimeoutOrNull(10.seconds) { exit.awaitBorrowed() }
    }

    private suspend fun signalTree() {
        val root = process.toHandle()
        val tree = ArrayList<ProcessHandle>()
        tree.add(root)
        root.descendants().forEach { tree.add(it) }
        tree.forEach { it.destroy() }
        if (awaitGone(tree, terminateGrace)) return
        val survivors = tree.filter(::isRunning).toMutableList()
        survivors.toList().forEach { handle -> handle.descendants().forEach { survivors.add(it) } }
        survivors.forEach { it.destroyForcibly() }
        awaitGone(survivors, 10.seconds)
    }

    override fun toString(): String = "Subprocess(pid=$pid, command=$command, exitCode=$exitCode)"
}

/** Waits until every handle has exited (zombies count as exited), at most [limit]; true if they all did. */
private suspend fun awaitGone(handles: List<ProcessHandle>, limit: Duration): Boolean =
    withTimeoutOrNull(limit) {
        while (handles.any(::isRunning)) delay(10.milliseconds)
        true
    } ?: false

/**
 * True if [handle] is alive and not a zombie. A descendant whose parent died is re-parented; if
 * nobody reaps it (a container whose PID 1 does not), it stays a zombie, which `isAlive` reports
 * as alive although it runs nothing.
 */
internal fun isRunning(handle: ProcessHandle): Boolean {
    if (!handle.isAlive) return false
    val stat = runCatching { Files.readString(Path.of("/proc/${handle.pid()}/stat")) }.getOrNull() ?: return true
    val state = stat.substringAfterLast(')').trim().firstOrNull()
    return state != 'Z' && state != 'X'
}
