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
