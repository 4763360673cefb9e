package dev.kaio.samples.fetch

import dev.kaio.samples.ChildJvm
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

/**
 * `fetch` (Kotlin, Ktor client) and `fetch-java` (Java, JDK HttpClient) end to end against the
 * local [DelayServer] on 127.0.0.1, through real sockets. No test depends on how fast anything is:
 * the quick URLs have seconds to spare, the slow ones take a minute (and are cancelled or time out
 * by the client's bound), and concurrency is proven by the server's gate, not by timing.
 */
@Timeout(60)
class FetchSampleTest {
    private val server = DelayServer.start()

    @AfterEach
    fun stopServer() = server.close()

    private class Run(val code: Int, val out: String) {
        val lines: List<String> = out.lines()

        /** The one line that reports [url]. */
        fun lineFor(url: String): String = lines.singleOrNull { it.endsWith(" $url") } ?: error("no single line for $url in:\n$out")

        /** The status column of [url]'s line (`200`, `ERR`, `---`), after any `[k/n]`. */
        fun statusOf(url: String): String = lineFor(url).substringAfter(']').trim().substringBefore(' ')

        /** Asserts that [url] was still running at the end of the wait, and was cancelled. */
        fun assertCancelledAfterTheTimeout(url: String, total: Int) {
            assertTrue("still running after 3s: 1 of $total, cancelled:" in out, out)
            assertTrue(lineFor(url).contains("---  still running, cancelled"), out)
        }
    }

    private fun fetch(command: String, vararg args: String): Run {
        val bytes = ByteArrayOutputStream()
        val code = PrintStream(bytes, true, Charsets.UTF_8).use { FetchSample.main(command, arrayOf(*args), it) }
        return Run(code, bytes.toString(Charsets.UTF_8))
    }

    private fun url(path: String) = "${server.baseUrl}/$path"

    /** A URL on a port nobody listens on: bound to find a free port, then closed. */
    private fun refusedUrl(): String {
        val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        return "http://127.0.0.1:$port/nothing"
    }

    private fun urlArgs(urls: List<String>) = urls.flatMap { listOf("--url", it) }.toTypedArray()

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    fun gatherReportsEveryUrlInArgumentOrderAFailingOrSlowOneAmongThem(command: String) {
        val quick = url("delay/50")
        val failing = url("status/500")
        val slow = url("delay/60000")
        val refused = refusedUrl()
        val urls = listOf(quick, failing, slow, refused)
        val run = fetch(command, "--mode", "gather", "--request-timeout", "3s", *urlArgs(urls))

        assertEquals(1, run.code, "URLs without an answer make the exit status 1: ${run.out}")
        assertEquals("200", run.statusOf(quick), run.out)
        assertEquals("500", run.statusOf(failing), run.out)
        assertTrue(run.lineFor(slow).contains("ERR  timed out after 3s"), run.out)
        assertTrue(run.lineFor(refused).contains("ERR  connection refused"), run.out)
        assertEquals(urls, run.lines.filter { it.startsWith("  ") }.map { it.substringAfterLast(' ') }, "argument order")
        assertTrue("2 answered (1 with an error status), 2 failed, 0 cancelled" in run.out, run.out)
    }

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    fun waitShowsWhatFinishedAndWhatDidNotWhenTheTimeoutPassesAndCancelsTheRest(command: String) {
        val quick = url("delay/10")
        val failing = url("status/503")
        val slow = url("delay/60000")
        val run = fetch(command, "--mode", "wait", "--timeout", "3s", "--request-timeout", "30s", *urlArgs(listOf(quick, slow, failing)))

        assertEquals(0, run.code, run.out)
        assertTrue("finished: 2 of 3" in run.out, run.out)
        assertEquals("200", run.statusOf(quick), run.out)
        assertEquals("503", run.statusOf(failing), run.out)
        run.assertCancelledAfterTheTimeout(slow, total = 3)
        assertTrue("2 answered (1 with an error status), 0 failed, 1 cancelled" in run.out, run.out)
    }

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    fun asCompletedPrintsEachResultAsItArrivesAndGivesUpOnTheSlowOne(command: String) {
        val slow = url("delay/60000")
        val quick = url("delay/10")
        val missing = url("status/404")
        val run = fetch(command, "--mode", "as-completed", "--timeout", "3s", *urlArgs(listOf(slow, quick, missing)))

        assertEquals(0, run.code, run.out)
        val arrived = run.lines.filter { it.startsWith("[") }
        assertEquals(listOf("[1/3]", "[2/3]"), arrived.map { it.substringBefore(' ') }, run.out)
        assertEquals(setOf(quick, missing), arrived.map { it.substringAfterLast(' ') }.toSet(), run.out)
        assertEquals("404", run.statusOf(missing), run.out)
        run.assertCancelledAfterTheTimeout(slow, total = 3)
    }

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    fun theConcurrencyLimitIsUsedAndNeverExceeded(command: String) {
        // A /gate/2 request is answered 200 only once two of them wait there together (else 504
        // after 10 s): all 200 proves two at a time, and the server never saw a third.
        val urls = (1..6).map { url("gate/2?request=$it") }
        val run = fetch(command, "--limit", "2", "--request-timeout", "30s", *urlArgs(urls))

        assertEquals(0, run.code, run.out)
        urls.forEach { assertEquals("200", run.statusOf(it), run.out) }
        assertEquals(6, server.requests)
        assertEquals(2, server.maxInFlight, run.out)
    }

    /**
     * An HTTP server on 127.0.0.1 that answers every request with a body of [length] bytes (zeros)
     * but sends only [sent] of them, then keeps the connection open until [close]: a body that
     * stalls after the headers when [sent] is less than [length].
     */
    private class BodyServer(length: Long, sent: Long = length) : AutoCloseable {
        private val listener = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
        private val connections = ConcurrentLinkedQueue<Socket>()
        val url = "http://127.0.0.1:${listener.localPort}/body"

        init {
            thread(isDaemon = true, name = "body-server") {
                while (true) {
                    val connection = runCatching { listener.accept() }.getOrNull() ?: break
                    connections += connection
                    thread(isDaemon = true, name = "body-server-connection") {
                        runCatching {
                            connection.getInputStream().read(ByteArray(8192)) // the request
                            val out = connection.getOutputStream()
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: $length\r\n\r\n".toByteArray())
                            val chunk = ByteArray(64 * 1024)
                            var left = sent
                            while (left > 0) {
                                val n = minOf(left, chunk.size.toLong()).toInt()
                                out.write(chunk, 0, n)
                                left -= n
                            }
                            out.flush()
                        }
                    }
                }
            }
        }

        override fun close() {
            listener.close()
            connections.forEach { runCatching { it.close() } }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    fun aBodyThatStallsAfterTheHeadersTimesOutLikeAnyOtherSlowUrl(command: String) = BodyServer(length = 100, sent = 10).use { stalled ->
        val run = fetch(command, "--request-timeout", "2s", "--url", stalled.url)

        assertEquals(1, run.code, run.out)
        assertTrue(run.lineFor(stalled.url).contains("ERR  timed out after 2s"), run.out)
    }

    @ParameterizedTest
    @ValueSource(strings = ["fetch", "fetch-java"])
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    fun aBodyLargerThanTheHeapIsCountedNotHeld(command: String) {
        val size = 256L * 1024 * 1024
        BodyServer(size).use { huge ->
            ChildJvm(command, "--url", huge.url, "--request-timeout", "60s", jvmOptions = listOf("-Xmx64m")).use { child ->
                // Waited for first: a JVM out of memory may hang rather than exit.
                assertTrue(child.process.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit")
                val code = child.finish()
                assertEquals(0, code, child.seen.toString())
                assertTrue("200  $size bytes at " in child.seen, child.seen.toString())
            }
        }
    }

    @Test
    fun withoutUrlsItStartsTheLocalServerAndFetchesItsUrls() {
        val run = fetch("fetch", "--limit", "8", "--request-timeout", "2s")

        assertEquals(1, run.code, "the URL that timed out makes the exit status 1: ${run.out}")
        assertTrue(run.out.startsWith("No --url given: fetching from the local test server at http://127.0.0.1:"), run.out)
        assertTrue("7 answered (2 with an error status), 1 failed, 0 cancelled" in run.out, run.out)
        assertTrue(run.lines.any { it.trimStart().startsWith("404  ") && it.endsWith("/status/404") }, run.out)
        assertTrue(run.lines.any { "ERR  timed out after 2s" in it && it.endsWith("/delay/3000") }, run.out)
    }
}
