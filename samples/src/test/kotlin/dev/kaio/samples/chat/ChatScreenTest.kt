package dev.kaio.samples.chat

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The chat client's screen: what it prints at a terminal and without one, key by key. */
class ChatScreenTest {
    private val bytes = ByteArrayOutputStream()
    private val printed get() = bytes.toString(Charsets.UTF_8)

    private fun screen(interactive: Boolean) = ChatScreen(PrintStream(bytes, true, Charsets.UTF_8), interactive)

    private fun ChatScreen.typeAll(text: String): List<ChatScreen.Key> = text.map { type(it) }

    @Test
    fun aMessageArrivingWhileTheUserTypesIsPrintedAboveTheTypedLineWhichIsRedrawn() {
        val screen = screen(interactive = true)
        screen.start()
        screen.typeAll("hel")
        screen.message("bob: hi")
        screen.typeAll("lo")

        assertEquals("> hel" + "\r\u001b[K" + "bob: hi\n" + "> hel" + "lo", printed)
        assertEquals("\r\u001b[Kann: yo\n> hello", screen.render("ann: yo"))
    }

    @Test
    fun enterHandsOverTheLineAndClearsItForAFreshPromptAsTheServerEchoesIt() {
        val screen = screen(interactive = true)
        val keys = screen.typeAll("hi\n")

        assertEquals("hi", keys.last().line)
        assertEquals("\r\u001b[K> ", keys.last().echo, "the typed line goes: it comes back once, from the server")
        assertEquals("\r\u001b[Kbob: ok\n> ", screen.render("bob: ok"), "nothing typed any more")
        assertNull(screen.type('\n').line, "an empty line is not sent")
        assertNull(screen.typeAll("  \n").last().line, "nor a blank one")
    }

    @Test
    fun backspaceRemovesTheLastCharacterOnScreenAndInTheLine() {
        val screen = screen(interactive = true)
        screen.typeAll("cat")
        assertEquals("\b \b", screen.type('\u007f').echo)
        assertEquals("\b \b", screen.type('\b').echo)
        assertEquals("c", screen.render("x").substringAfterLast("> "))
        screen.type('\b')
        assertEquals("", screen.type('\b').echo, "backspace on an empty line does nothing")
        assertEquals("ok", screen.typeAll("ok\n").last().line)
    }

    @Test
    fun ctrlDEndsTheInputOnlyOnAnEmptyLine() {
        val screen = screen(interactive = true)
        screen.typeAll("ab")
        assertEquals(false, screen.type('\u0004').end)
        screen.typeAll("\b\b")
        assertEquals(true, screen.type('\u0004').end)
    }

    @Test
    fun escapeSequencesAndControlCharactersAreNotTyped() {
        val screen = screen(interactive = true)
        val keys = screen.typeAll("a\u001b[A\u001b[1;5Cb\u0007\tc\n")
        assertEquals("abc", keys.last().line)
        assertEquals("abc\r\u001b[K> ", keys.joinToString("") { it.echo })
    }

    @Test
    fun aPeersControlCharactersAreShownAsCatVShowsThemNeverRaw() {
        for (interactive in listOf(true, false)) {
            val screen = screen(interactive)
            val shown = screen.render("evil: \u001b[2J\u0007\u0000\u007f\u009b2J\rok é")
            assertTrue("evil: ^[[2J^G^@^?M-^[2J^Mok é" in shown, shown)
            assertEquals(if (interactive) 1 else 0, shown.count { it == '\u001b' }, "only the screen's own clear-line code")
        }
    }

    @Test
    fun withoutATerminalMessagesArePlainLinesAndNoControlCodeIsPrinted() {
        val screen = screen(interactive = false)
        screen.start()
        screen.message("Welcome! 1 user(s) are online!")
        screen.message("bob: hi")
        screen.finish("Disconnected.")

        assertEquals("Welcome! 1 user(s) are online!\nbob: hi\nDisconnected.\n", printed)
        assertTrue(printed.none { it == '\u001b' || it == '\r' })
    }
}
