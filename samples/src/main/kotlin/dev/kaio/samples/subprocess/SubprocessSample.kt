package dev.kaio.samples.subprocess

import dev.kaio.DeadlineExceededException
import dev.kaio.EventLoop
import dev.kaio.io.IncompleteReadException
import dev.kaio.io.Stdio
import dev.kaio.io.Subprocess
import dev.kaio.samples.cli.Options
import dev.kaio.samples.cli.runSample
import dev.kaio.sync.Semaphore
import dev.kaio.sync.withPermit
import dev.kaio.timeout
import java.io.PrintStream
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * `kaio-samples subprocess`: the book's chapter 13 on Kaio's [Subprocess].
 *
 * **Several commands.** Runs shell command lines concurrently, at most `--limit` at a time (a
 * [Semaphore]), and streams each line of their output (stderr merged into stdout) as it comes,
 * prefixed by the command's name: `[ls] bin`. A command still running after `--timeout` is
 * cancelled, which terminates it and its child processes (see [Subprocess]).
 *
 * **An interactive program.** Then it starts a little quiz on the shell that asks questions on its
 * stdin, reads each prompt (up to `? `), writes the next `--answer` and prints the exchange; when
 * the answers run out it closes the program's input.
 */
public object SubprocessSample {
    internal const val USAGE: String = """Usage: kaio-samples subprocess [--limit 2] [--timeout 10s] [--cmd COMMAND]... [--answer TEXT]...
Subprocesses (book ch. 13): runs shell commands concurrently, each output line prefixed by the
command's name, then answers the questions an interactive program asks on its stdin.
  --limit N       at most N commands at a time (default 2)
  --timeout D     a command still running after D is stopped, with its child processes (default 10s)
  --cmd COMMAND   a shell command line to run (repeat for several; default: ls /, uname -sr, date -u, seq 1 5)
  --answer TEXT   an answer for the interactive program (repeat; default: Ada, then blue)"""

    internal val DEFAULT_COMMANDS = listOf("ls /", "uname -sr", "date -u", "seq 1 5")
    internal val DEFAULT_ANSWERS = listOf("Ada", "blue")

    /** The interactive program: two questions on stdin, then a greeting. */
    internal const val QUIZ: String =
        "printf 'What is your name? '; read name; printf 'What is your favourite colour? '; read colour; " +
            "echo \"Hello \$name, \$colour it is.\""

    /** The launcher's entry point; returns the exit code. */
    @JvmStatic
    public fun run(args: Array<String>): Int = main(args, System.out)

    internal fun main(args: Array<String>, out: PrintStream): Int = runSample("subprocess", USAGE) {
        val options = Options.parse(args.toList(), setOf("limit", "timeout", "cmd", "answer"), USAGE, out)
            ?: return@runSample 0
        val limit = options.int("limit", 2, 1..1000)
        val timeout = options.duration("timeout", 10.seconds)
        val commands = options.strings("cmd").ifEmpty { DEFAULT_COMMANDS }
        val answers = options.strings("answer").ifEmpty { DEFAULT_ANSWERS }
        EventLoop.run {
            runAll(commands, limit, timeout, out)
            interact(answers, timeout, out)
        }
        out.flush()
        0
    }

    /** `[name]` for each command: its program's name, `#2`, `#3`... when it comes again. */
    internal fun labels(commands: List<String>): List<String> {
        val seen = HashMap<String, Int>()
        return commands.map { command ->
            val program = command.trim().substringBefore(' ').substringAfterLast('/').ifEmpty { "sh" }
            val count = seen.merge(program, 1, Int::plus)!!
            if (count == 1) program else "$program#$count"
        }
    }

    private suspend fun runAll(commands: List<String>, limit: Int, timeout: Duration, out: PrintStream) {
        out.println("running ${commands.size} command(s), at most $limit at a time:")
        val permits = Semaphore(limit)
        val codes = coroutineScope {
            commands.zip(labels(commands)).map { (command, label) ->
                async { permits.withPermit { runOne(command, label, timeout, out) } }
            }.awaitAll()
        }
        out.println("all done: ${codes.count { it == 0 }} of ${codes.size} exited with 0")
    }

    /** Runs [command], printing its lines as `[label] line`; returns its exit code, or -1 if stopped. */
    private suspend fun runOne(command: String, label: String, timeout: Duration, out: PrintStream): Int {
        out.println("[$label] \$ $command")
        val process = Subprocess.shell(command, stdin = Stdio.DISCARD, stdout = Stdio.PIPE, stderr = Stdio.STDOUT)
        return try {
            timeout(timeout) {
                val printing = launch { process.stdoutLines().collect { out.println("[$label] $it") } }
                // Cancelling wait() (the timeout) terminates the process and its descendants.
                val code = process.wait()
                printing.join()
                out.println("[$label] exited with $code")
                code
            }
        } catch (late: DeadlineExceededException) {
            out.println("[$label] stopped: still running after $timeout")
            -1
        }
    }

    /** Runs [QUIZ], answering each question it asks with the next of [answers]. */
    private suspend fun interact(answers: List<String>, timeout: Duration, out: PrintStream) {
        out.println("interactive: answering the questions of a program on its stdin")
        val label = "quiz"
        val process = Subprocess.shell(QUIZ, stdin = Stdio.PIPE, stdout = Stdio.PIPE, stderr = Stdio.STDOUT)
        try {
            timeout(timeout) {
                val left = ArrayDeque(answers)
                while (true) {
                    val prompt = try {
                        process.stdout.readUntil("? ".toByteArray()).decodeToString()
                    } catch (end: IncompleteReadException) {
                        end.partial.decodeToString().lines().filter { it.isNotEmpty() }.forEach { out.println("[$label] $it") }
                        break
                    }
                    prompt.trimEnd().lines().forEach { out.println("[$label] $it") }
                    val answer = left.removeFirstOrNull()
                    if (answer == null) {
                        out.println("> (no more answers: closing its input)")
                        process.stdin.writeEof()
                    } else {
                        out.println("> $answer")
                        process.stdin.writeLine(answer)
                        process.stdin.drain()
                    }
                }
                out.println("[$label] exited with ${process.wait()}")
            }
        } catch (late: DeadlineExceededException) {
            out.println("[$label] stopped: still running after $timeout")
        } finally {
            if (process.exitCode == null) {
                process.kill() // it was waiting on its input, or we gave up on it: no point in a grace period
                withContext(NonCancellable) { process.wait() }
            }
        }
    }
}
