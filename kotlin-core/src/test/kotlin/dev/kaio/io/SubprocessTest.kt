package dev.kaio.io

import dev.kaio.DeadlineExceededException
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** Real processes (`/bin/sh`, `cat`, `sleep`); every test is bounded by [guard]. */
internal class SubprocessTest {
    private val started = java.util.concurrent.ConcurrentLinkedQueue<ProcessHandle>()

    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(60.seconds, block) }

    /** Whatever a failed test left running is killed, so no process outlives the test JVM. */
    @AfterTest
    fun killLeftovers() {
        for (handle in started) {
            handle.descendants().forEach { it.destroyForcibly() }
            handle.destroyForcibly()
        }
        started.clear()
    }

    private fun Subprocess.tracked(): Subprocess = also { started.add(ProcessHandle.of(pid).get()) }

    @Test
    fun megabytesOnBothOutputsDoNotDeadlock() = guard {
        val size = 5 * 1024 * 1024
        val process = Subprocess.shell(
            "head -c $size /dev/zero | tr '\\0' o & head -c $size /dev/zero | tr '\\0' e >&2; wait",
            stdout = Stdio.PIPE,
            stderr = Stdio.PIPE,
        )
        val result = process.communicate()
        assertEquals(0, result.exitCode)
        assertEquals(size, result.stdout!!.size)
        assertEquals(size, result.stderr!!.size)
        assertTrue(result.stdout!!.all { it == 'o'.code.toByte() })
        assertTrue(result.stderr!!.all { it == 'e'.code.toByte() })
    }

    @Test
    fun stdinStdoutRoundTripWithCommunicate() = guard {
        val input = ByteArray(3 * 1024 * 1024) { (it % 251).toByte() }
        val result = Subprocess.run(listOf("cat"), input = input)
        assertEquals(0, result.exitCode)
        assertContentEquals(input, result.stdout)
        assertEquals(0, result.stderr!!.size)
    }

    @Test
    fun talkingToAProcessLineByLine() = guard {
        val process = Subprocess.exec("cat", stdin = Stdio.PIPE, stdout = Stdio.PIPE).tracked()
        process.stdin.writeLine("first")
        process.stdin.drain()
        assertEquals("first", process.stdout.readLine()) // a reply read before the next request is sent
        process.stdin.writeLine("second")
        process.stdin.close()
        assertEquals(listOf("second"), process.stdoutLines().toList())
        assertEquals(0, process.wait())
        assertEquals(0, process.exitCode)
    }

    @Test
    fun timeoutKillsTheProcessTreeAndLeavesNothingBehind() = guard {
        // A shell that starts two grandchildren which ignore nothing, then waits: a small tree.
        val process = Subprocess.shell(
            "sleep 300 & sleep 300 & echo started; wait",
            stdout = Stdio.PIPE,
            terminateGrace = 500.milliseconds,
        ).tracked()
        assertEquals("started", process.stdout.readLine())
        val root = ProcessHandle.of(process.pid).get()
        val tree = listOf(root) + root.descendants().toList()
        started.addAll(tree)
        assertTrue(tree.size >= 3, "expected the shell and two sleeps, got $tree")

        assertFailsWith<DeadlineExceededException> { process.communicate(timeout = 100.milliseconds) }

        val survivors = tree.filter(::isRunning)
        assertEquals(emptyList(), survivors, "processes left behind")
        assertFalse(root.isAlive)
    }

    @Test
    fun cancellingWaitTerminatesAndThenKillsAProcessThatIgnoresSigterm() = guard {
        val process = Subprocess.shell(
            "trap '' TERM; echo ready; while true; do sleep 1; done",
            stdout = Stdio.PIPE,
            terminateGrace = 200.milliseconds,
        ).tracked()
        assertEquals("ready", process.stdout.readLine())
        val root = ProcessHandle.of(process.pid).get()
        val waiting = launch(start = CoroutineStart.UNDISPATCHED) { process.wait() }
        waiting.cancelAndJoin() // returns once SIGTERM was ignored and SIGKILL did the job
        assertFalse(isRunning(root))
        // The JVM records the exit code when its reaper thread sees the death, a moment later: wait for it.
        val exitCode = withTimeout(10.seconds) { process.wait() }
        assertEquals(128 + 9, exitCode, "killed by SIGKILL")
    }

    @Test
    fun missingExecutableGivesAClearError() = guard {
        val missing = assertFailsWith<ExecutableNotFoundException> { Subprocess.exec("kaio-no-such-program-42") }
        assertTrue("kaio-no-such-program-42" in missing.message!!, missing.message)
        assertTrue("PATH" in missing.message!!, missing.message)
        val badDirectory = assertFailsWith<java.nio.file.NoSuchFileException> {
            Subprocess.exec("true", stdout = Stdio.DISCARD, workingDirectory = java.nio.file.Path.of("/no/such/dir"))
        }
        assertTrue("working directory" in badDirectory.message!!)
    }

    @Test
    fun workingDirectoryEnvironmentAndFileRedirects() = guard {
        val dir = Files.createTempDirectory("kaio-sub")
        try {
            val out = dir.resolve("out.txt")
            val process = Subprocess.shell(
                "pwd; echo \"\$KAIO_TEST\"; echo oops >&2",
                workingDirectory = dir,
                environment = mapOf("KAIO_TEST" to "value", "PATH" to System.getenv("PATH")),
                stdout = Stdio.file(out),
                stderr = Stdio.STDOUT,
            )
            assertEquals(0, process.wait())
            val lines = Files.readAllLines(out)
            assertEquals(listOf(dir.toRealPath().toString(), "value", "oops"), lines)
            assertFailsWith<IllegalStateException> { process.stdout }
            val result = Subprocess.exec("true", stdout = Stdio.DISCARD).communicate()
            assertNull(result.stdout)
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    @Test
    fun runManyWithAConcurrencyLimit() = guard {
        val commands = (1..12).map { listOf("/bin/sh", "-c", "echo $it") }
        val results = Subprocess.runAll(commands, concurrency = 3)
        assertEquals((1..12).map { "$it\n" }, results.map { it.stdoutText })
        assertTrue(results.all { it.exitCode == 0 })
        assertEquals(7, Subprocess.run(listOf("/bin/sh", "-c", "exit 7")).exitCode)
        assertFailsWith<IllegalArgumentException> { Subprocess.runAll(commands, concurrency = 0) }
    }
}
