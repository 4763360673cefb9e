package dev.kaio.samples.subprocess

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir

/** `subprocess` end to end: real shell processes, their output read through Kaio's pipes. */
@Timeout(60)
class SubprocessSampleTest {
    @TempDir
    lateinit var dir: Path

    private class Run(val code: Int, val out: String) {
        val lines: List<String> = out.lines()

        fun linesOf(label: String): List<String> = lines.filter { it.startsWith("[$label] ") }
    }

    private fun subprocess(vararg args: String): Run {
        val bytes = ByteArrayOutputStream()
        val code = PrintStream(bytes, true, Charsets.UTF_8).use { SubprocessSample.main(arrayOf(*args), it) }
        return Run(code, bytes.toString(Charsets.UTF_8))
    }

    @Test
    fun eachOutputLineComesPrefixedByItsCommandStderrIncluded() {
        val run = subprocess("--cmd", "echo one; echo two", "--cmd", "printf 'x\\ny\\n'; echo oops >&2; exit 3")

        assertEquals(0, run.code, run.out)
        assertEquals(listOf("[echo] \$ echo one; echo two", "[echo] one", "[echo] two", "[echo] exited with 0"), run.linesOf("echo"))
        assertEquals(listOf("[printf] x", "[printf] y", "[printf] oops", "[printf] exited with 3"), run.linesOf("printf").drop(1))
        assertTrue("all done: 1 of 2 exited with 0" in run.out, run.out)
    }

    @Test
    fun withALimitOfOneTheCommandsRunOneAfterTheOther() {
        val run = subprocess("--limit", "1", "--cmd", "echo a1; echo a2", "--cmd", "echo b1", "--cmd", "echo c1")

        val commandLines = run.lines.takeWhile { !it.startsWith("all done") }.drop(1)
        assertEquals(
            listOf(
                "[echo] \$ echo a1; echo a2", "[echo] a1", "[echo] a2", "[echo] exited with 0",
                "[echo#2] \$ echo b1", "[echo#2] b1", "[echo#2] exited with 0",
                "[echo#3] \$ echo c1", "[echo#3] c1", "[echo#3] exited with 0",
            ),
            commandLines,
            run.out,
        )
    }

    @Test
    fun withALimitOfTwoTwoCommandsRunAtTheSameTime() {
        // Each one waits until the other has started: they only finish if both run at once.
        fun meet(me: String, other: String) =
            "touch '$dir/$me'; n=0; while [ ! -e '$dir/$other' ] && [ \$n -lt 2000 ]; do sleep 0.01; n=\$((n+1)); done; " +
                "[ -e '$dir/$other' ] && echo met $other"
        val run = subprocess("--limit", "2", "--timeout", "40s", "--cmd", meet("a", "b"), "--cmd", meet("b", "a"))

        assertEquals(listOf("[touch] met b", "[touch] exited with 0"), run.linesOf("touch").drop(1), run.out)
        assertEquals(listOf("[touch#2] met a", "[touch#2] exited with 0"), run.linesOf("touch#2").drop(1), run.out)
    }

    @Test
    fun aCommandStillRunningAtTheTimeoutIsStoppedAndTheOthersGoOn() {
        val pidFile = dir.resolve("pid")
        val run = subprocess("--timeout", "1s", "--cmd", "echo \$\$ > '$pidFile'; exec sleep 60", "--cmd", "echo fine")

        assertEquals(0, run.code, run.out)
        assertTrue("[echo] stopped: still running after 1s" in run.lines, run.out)
        assertTrue("[echo#2] fine" in run.lines, run.out)
        val pid = Files.readString(pidFile).trim().toLong()
        assertFalse(ProcessHandle.of(pid).map { it.isAlive }.orElse(false), "the sleep was stopped")
    }

    @Test
    fun theInteractiveProgramGetsAnAnswerToEachQuestion() {
        val run = subprocess("--cmd", "true", "--answer", "Grace", "--answer", "green")

        val exchange = run.lines.dropWhile { !it.startsWith("interactive:") }.drop(1).filter { it.isNotEmpty() }
        assertEquals(
            listOf(
                "[quiz] What is your name?", "> Grace",
                "[quiz] What is your favourite colour?", "> green",
                "[quiz] Hello Grace, green it is.", "[quiz] exited with 0",
            ),
            exchange,
        )
    }

    @Test
    fun whenTheAnswersRunOutItClosesTheProgramsInput() {
        val run = subprocess("--cmd", "true", "--answer", "Solo")

        assertTrue("> (no more answers: closing its input)" in run.lines, run.out)
        assertTrue("[quiz] Hello Solo,  it is." in run.lines, run.out)
        assertTrue("[quiz] exited with 0" in run.lines, run.out)
    }

    @Test
    fun labelsNameTheProgramAndNumberRepeats() {
        assertEquals(listOf("ls", "echo", "ls#2", "gzip", "sh"), SubprocessSample.labels(listOf("ls /", "echo hi", "ls", "/usr/bin/gzip -k f", "  ")))
    }
}
