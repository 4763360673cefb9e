package dev.kaio.samples.fetch

import dev.kaio.EventLoop
import dev.kaio.samples.cli.Options
import dev.kaio.samples.cli.UsageException
import dev.kaio.samples.cli.runSample
import java.io.PrintStream
import java.net.URI
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/**
 * `kaio-samples fetch` (Kotlin, Ktor client) and `kaio-samples fetch-java` (Java, JDK HttpClient):
 * the book's chapter 4, concurrent web requests with `gather`, `as-completed` and `wait`, a
 * concurrency limit, and a bound on every request. Without `--url` it starts the local
 * [DelayServer] in-process and fetches a few of its URLs, one slow and two failing among them.
 */
public object FetchSample {
    private fun usage(command: String): String = """Usage: kaio-samples $command [--mode gather|as-completed|wait] [--limit 3] [--timeout 2s] [--request-timeout 5s] [--url URL]...
Concurrent web requests (book ch. 4) ${if (command == "fetch") "in Kotlin with the Ktor client" else "in Java with the JDK HttpClient"}.
  --mode M              gather: all at once, results in argument order (default)
                        as-completed: each result as it arrives, with a progress count; gives up at --timeout
                        wait: waits up to --timeout, then shows what finished and what did not
  --limit N             at most N requests at a time (default 3)
  --timeout D           as-completed and wait: how long to wait for all URLs (default 2s; 500ms, 10s...)
  --request-timeout D   the bound on each request; a slower URL is reported as timed out (default 5s)
  --url URL             a URL to fetch (repeat the option for several); without any, a local test
                        server is started and its /delay/{ms} and /status/{code} URLs are fetched
Each URL gets one line: its status, size and arrival time, or why it has none.
Exit status: 0 when every URL answered (with any HTTP status) or was cancelled after --timeout;
1 when a URL got no answer (refused, timed out, ...); 2 for a bad option."""

    /** `fetch`'s entry point (Kotlin variant); returns the exit code. */
    @JvmStatic
    public fun run(args: Array<String>): Int = main("fetch", args, System.out)

    /** `fetch-java`'s entry point (Java variant); returns the exit code. */
    @JvmStatic
    public fun runJava(args: Array<String>): Int = main("fetch-java", args, System.out)

    /** The default URLs on the local server: quick ones, a 404, a 500 and one slow URL. */
    internal fun defaultUrls(base: String): List<String> =
        listOf("delay/300", "delay/100", "status/404", "delay/500", "status/500", "delay/200", "delay/3000", "delay/150")
            .map { "$base/$it" }

    internal fun main(command: String, args: Array<String>, out: PrintStream): Int {
        val usage = usage(command)
        return runSample(command, usage) {
            val options = Options.parse(args.toList(), setOf("mode", "limit", "timeout", "request-timeout", "url"), usage, out)
                ?: return@runSample 0
            val modeName = options.string("mode", FetchMode.GATHER.option)
            val mode = FetchMode.entries.firstOrNull { it.option == modeName }
                ?: throw UsageException("--mode must be gather, as-completed or wait: '$modeName'")
            val limit = options.int("limit", 3, 1..1000)
            val timeout = options.duration("timeout", 2.seconds).toJavaDuration()
            val requestTimeout = options.duration("request-timeout", 5.seconds).toJavaDuration()
            if (requestTimeout.isZero) throw UsageException("--request-timeout must be more than 0")
            val urls = options.strings("url").onEach(::checkUrl)
            val server = if (urls.isEmpty()) DelayServer.start() else null
            try {
                if (server != null) out.println("No --url given: fetching from the local test server at ${server.baseUrl}")
                val config = FetchConfig(urls.ifEmpty { defaultUrls(server!!.baseUrl) }, mode, limit, timeout, requestTimeout)
                val report = FetchReport(out, config)
                if (command == "fetch") EventLoop.run { KtorFetch(config, report).run() } else JdkFetch.run(config, report)
                // As curl and wget do: a URL that answered with an error status is a result, one
                // that did not answer is a failure that a script running the sample should see.
                if (report.failures > 0) 1 else 0
            } finally {
                server?.close()
            }
        }
    }

    private fun checkUrl(url: String) {
        val uri = runCatching { URI(url) }.getOrNull()
        if (uri == null || uri.scheme !in setOf("http", "https") || uri.host.isNullOrEmpty()) {
            throw UsageException("--url expects an http:// or https:// URL with a host: '$url'")
        }
    }
}
