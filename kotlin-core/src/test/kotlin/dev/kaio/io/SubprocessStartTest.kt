package dev.kaio.io

import java.io.FileOutputStream
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** A start cancelled while the process is being started (real processes). */
internal class SubprocessStartTest {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(60.seconds, block) }

    private fun ourSleeps(): List<ProcessHandle> = ProcessHandle.current().children().toList().filter { child ->
        child.info().arguments().map { "313" in it }.orElse(false) &&
            child.info().command().map { it.endsWith("sleep") }.orElse(false)
    }

    @AfterTest
    fun killLeftovers() {
        ourSleeps().forEach { it.destroyForcibly() }
    }

    @Test
    fun aStartCancelledWhileTheProcessIsBeingStartedLeavesNoProcessRunning() = guard {
        val dir = Files.createTempDirectory("kaio-start")
        val fifo = dir.resolve("stdin")
        try {
            assertEquals(0, ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
            // The JDK opens a stdin file before it forks: on a FIFO without a writer, the start
            // waits there, in ProcessBuilder.start.
            val starting = launch { Subprocess.exec("sleep", "313", stdin = Stdio.file(fifo)) }
            withTimeout(10.seconds) {
                while (Thread.getAllStackTraces().values.none { stack -> stack.any { it.methodName == "start" && it.className == "java.lang.ProcessBuilder" } }) {
                    delay(1.milliseconds)
                }
            }
            starting.cancel() // as runAll does to the others when one command fails, or a timeout
            withContext(Dispatchers.IO) {
                FileOutputStream(fifo.toFile()).use { _ ->
                    // The start goes on: the process starts, and the cancelled start returns.
                    starting.join()
                }
            }
            assertTrue(starting.isCancelled)
            // The process the cancelled start made is nobody's: it must not be left running.
            val left = withTimeoutOrNull(10.seconds) {
                while (ourSleeps().any(::isRunning)) delay(10.milliseconds)
            }
            assertTrue(left != null, "a start cancelled while starting left its process running: ${ourSleeps()}")
        } finally {
            Files.deleteIfExists(fifo)
            Files.deleteIfExists(dir)
        }
    }
}
