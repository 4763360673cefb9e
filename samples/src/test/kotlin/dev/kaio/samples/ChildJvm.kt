package dev.kaio.samples

import java.io.BufferedReader
import java.util.concurrent.TimeUnit

/**
 * A sample run through the launcher in a child JVM with the test classpath (and [jvmOptions], such
 * as `-Xmx64m`); output and errors merged.
 */
internal class ChildJvm(vararg args: String, jvmOptions: List<String> = emptyList()) : AutoCloseable {
    val process: Process = ProcessBuilder(
        listOf(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")) +
            jvmOptions + listOf("-cp", System.getProperty("java.class.path"), Launcher::class.java.name) + args,
    ).redirectErrorStream(true).start()
    private val output: BufferedReader = process.inputStream.bufferedReader()
    val seen = StringBuilder()

    /** Reads output lines until one matches [predicate] and returns it; fails if the output ends first. */
    fun awaitLine(predicate: (String) -> Boolean): String {
        while (true) {
            val line = output.readLine() ?: error("the child JVM ended before the expected line; output:\n$seen")
            seen.append(line).append('\n')
            if (predicate(line)) return line
        }
    }

    /** Reads the rest of the output and waits for the exit code. */
    fun finish(): Int {
        seen.append(output.readText())
        check(process.waitFor(30, TimeUnit.SECONDS)) { "the child JVM did not exit; output:\n$seen" }
        return process.exitValue()
    }

    override fun close() {
        process.destroyForcibly()
        process.waitFor(10, TimeUnit.SECONDS)
    }
}
