package dev.kaio.samples.chat

import dev.kaio.samples.cli.Terminal
import java.io.PrintStream

/**
 * The chat client's screen, which keeps itself tidy while messages arrive: at a terminal, the line
 * being typed stays at the bottom, and a message that arrives meanwhile is printed above it (the
 * typed line is cleared with `\r` and `ESC [K`, the message printed, then the prompt and the typed
 * text drawn again). Without a terminal (pipes, tests) every message is a plain line and input is
 * read a line at a time, so no control codes are ever printed.
 *
 * **A peer's control characters are never printed raw**: an ESC or a BEL in a message (another
 * user's text goes through the server unchanged) is shown as `cat -v` shows it, `^[`, `^G`, so
 * nobody can clear or drive another user's terminal.
 *
 * **A user's own line** is cleared from the screen on Enter: the server relays it to everyone, its
 * sender included, and it appears then, once, as `<name>: <text>`.
 *
 * At a terminal the keyboard comes one character at a time ([key]; the terminal's echo is off, see
 * [dev.kaio.samples.cli.RawTerminal]), so the screen knows what is typed and echoes it itself.
 * Called from the keyboard thread ([key]) and the loop thread ([message]); every method is
 * synchronized, so the two never write over each other.
 */
internal class ChatScreen(private val out: PrintStream, private val interactive: Boolean, private val prompt: String = "> ") {
    private val typed = StringBuilder()
    private var escape = false

    /** What a key did: [echo] to print; [line] typed in full (on Enter), or [end] of input. */
    data class Key(val echo: String, val line: String? = null, val end: Boolean = false)

    /** The text that shows an incoming [message] (see the class comment). */
    @Synchronized
    fun render(message: String): String {
        val shown = visible(message)
        return if (interactive) "${Terminal.CLEAR_LINE}$shown\n$prompt$typed" else "$shown\n"
    }

    /** Prints an incoming [message]. */
    @Synchronized
    fun message(message: String) = print(render(message))

    /** Prints the prompt (at a terminal only). */
    @Synchronized
    fun start() {
        if (interactive) print(prompt)
    }

    /** Prints a last [message] on a line of its own, the typed text left behind. */
    @Synchronized
    fun finish(message: String) = print(if (interactive) "${Terminal.CLEAR_LINE}$message\n" else "$message\n")

    /** [text] with each control character (C0, DEL, C1) written as `cat -v` does: `^[`, `^?`, `M-^[`. */
    fun visible(text: String): String {
        if (text.none { it.isISOControl() }) return text
        return buildString {
            for (char in text) {
                when {
                    char < ' ' -> append('^').append(char + 0x40)
                    char == '\u007f' -> append("^?")
                    char in '\u0080'..'\u009f' -> append("M-^").append(char - 0x40)
                    else -> append(char)
                }
            }
        }
    }

    /**
     * Handles one character typed at a terminal: printable ones are added, Backspace removes the
     * last, Enter completes the line and clears it for a fresh prompt (a blank one is dropped; a
     * sent one comes back from the server), Ctrl-D on an empty line ends the
     * input; escape sequences (arrow keys) and other control characters are ignored.
     */
    @Synchronized
    fun key(char: Char): Key {
        if (escape) {
            escape = char == '[' || char == ';' || char.isDigit() // the sequence goes on until its final letter
            return Key("")
        }
        return when (char) {
            '\n', '\r' -> {
                val line = typed.toString()
                typed.setLength(0)
                Key("${Terminal.CLEAR_LINE}$prompt", line.takeIf { it.isNotBlank() })
            }
            '\u007f', '\b' -> if (typed.isEmpty()) Key("") else {
                typed.setLength(typed.length - 1)
                Key("\b \b")
            }
            '\u0004' -> if (typed.isEmpty()) Key("", end = true) else Key("")
            '\u001b' -> {
                escape = true
                Key("")
            }
            else -> if (char < ' ') Key("") else {
                typed.append(char)
                Key(char.toString())
            }
        }
    }

    /** [key], printing its echo; returns what it did. */
    @Synchronized
    fun type(char: Char): Key = key(char).also { print(it.echo) }

    private fun print(text: String) {
        if (text.isEmpty()) return
        out.print(text)
        out.flush()
    }
}
