package dev.kaio.samples.cli

/** Whether the samples talk to a person at a terminal, so they may redraw lines with ANSI codes. */
internal object Terminal {
    /** Clears the current line: carriage return, then "erase to end of line". */
    const val CLEAR_LINE: String = "\r\u001b[K"

    /**
     * True when stdin and stdout are a terminal. `System.console()` is null when either is
     * redirected on JDK 17; from JDK 22 on it is a console object all the same, whose
     * `isTerminal()` tells (called reflectively, as the build targets 17).
     */
    val isInteractive: Boolean by lazy {
        val console = System.console() ?: return@lazy false
        runCatching { console.javaClass.getMethod("isTerminal").invoke(console) as Boolean }.getOrDefault(true)
    }
}

/**
 * The terminal switched to character-at-a-time input without echo (`stty -icanon -echo`), so a
 * program can draw what is typed itself; [close] (or the JVM's shutdown, e.g. on Ctrl-C, which
 * still raises SIGINT) puts the previous settings back.
 */
internal class RawTerminal private constructor(private val saved: String) : AutoCloseable {
    private val restore = Thread { stty(saved) }

    init {
        Runtime.getRuntime().addShutdownHook(restore)
    }

    override fun close() {
        stty(saved)
        runCatching { Runtime.getRuntime().removeShutdownHook(restore) }
    }

    companion object {
        /** Switches the controlling terminal to raw input; null if there is none or `stty` fails. */
        fun enter(): RawTerminal? {
            val saved = stty("-g") ?: return null
            return if (stty("-icanon -echo min 1") == null) null else RawTerminal(saved.trim())
        }

        private fun stty(arguments: String): String? = runCatching {
            val process = ProcessBuilder("sh", "-c", "stty $arguments < /dev/tty")
                .redirectErrorStream(true)
                .start()
            val output = process.inputStream.bufferedReader().readText()
            if (process.waitFor() == 0) output else null
        }.getOrNull()
    }
}
