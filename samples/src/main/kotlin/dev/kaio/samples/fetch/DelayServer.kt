package dev.kaio.samples.fetch

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The tiny local web server `fetch` runs against, so that it needs no network (Ktor, CIO engine,
 * on 127.0.0.1):
 *
 * - `GET /delay/{ms}`: answers `200` with `waited {ms} ms` after {ms} milliseconds (at most 60 000).
 * - `GET /status/{code}`: answers with that status code (200 to 599) at once.
 * - `GET /gate/{n}`: answers `200` once {n} requests wait at the gate together (so it proves that
 *   {n} requests really ran at the same time), or `504` after [gateTimeout].
 *
 * It counts the requests it is serving, and the most it ever served at once ([maxInFlight]), so
 * that a test can check a client's concurrency limit from the server's side.
 */
public class DelayServer private constructor(private val gateTimeout: Duration) : AutoCloseable {
    private val inFlightNow = AtomicInteger()
    private val maxInFlightSeen = AtomicInteger()
    private val served = AtomicInteger()
    private val gateLock = Any()
    private var atGate = 0
    private var gate = CompletableDeferred<Unit>()
    private lateinit var server: EmbeddedServer<*, *>

    /** The port it listens on, on 127.0.0.1. */
    public var port: Int = 0
        private set

    /** The base URL, `http://127.0.0.1:PORT`. */
    public val baseUrl: String get() = "http://127.0.0.1:$port"

    /** Requests answered so far. */
    public val requests: Int get() = served.get()

    /** The most requests it was ever serving at the same time. */
    public val maxInFlight: Int get() = maxInFlightSeen.get()

    private suspend fun counted(call: ApplicationCall, answer: suspend () -> Pair<HttpStatusCode, String>) {
        maxInFlightSeen.accumulateAndGet(inFlightNow.incrementAndGet(), ::maxOf)
        // Counted out before the answer is sent: a client that sends its next request as soon as
        // it has this answer must not find this one still counted.
        val (status, text) = try {
            answer()
        } finally {
            inFlightNow.decrementAndGet()
            served.incrementAndGet()
        }
        call.respondText("$text\n", ContentType.Text.Plain, status)
    }

    /** The path parameter [name] if it is a number in [range], else null. */
    private fun ApplicationCall.number(name: String, range: IntRange): Int? = parameters[name]?.toIntOrNull()?.takeIf { it in range }

    private suspend fun meetAtGate(n: Int): Boolean {
        val mine = synchronized(gateLock) {
            val current = gate
            atGate++
            if (atGate >= n) {
                atGate = 0
                gate = CompletableDeferred()
                current.complete(Unit)
            }
            current
        }
        return withTimeoutOrNull(gateTimeout) { mine.await() } != null
    }

    private fun startOn(host: String, requestedPort: Int): DelayServer {
        server = embeddedServer(CIO, port = requestedPort, host = host) {
            routing {
                get("/delay/{ms}") {
                    counted(call) {
                        val ms = call.number("ms", 0..60_000) ?: return@counted HttpStatusCode.BadRequest to "delay must be 0..60000 ms"
                        delay(ms.toLong())
                        HttpStatusCode.OK to "waited $ms ms"
                    }
                }
                get("/status/{code}") {
                    counted(call) {
                        val code = call.number("code", 200..599) ?: return@counted HttpStatusCode.BadRequest to "status must be 200..599"
                        HttpStatusCode.fromValue(code) to "status $code"
                    }
                }
                get("/gate/{n}") {
                    counted(call) {
                        val n = call.number("n", 1..1000) ?: return@counted HttpStatusCode.BadRequest to "gate size must be 1..1000"
                        if (meetAtGate(n)) {
                            HttpStatusCode.OK to "met $n at the gate"
                        } else {
                            HttpStatusCode.GatewayTimeout to "fewer than $n came within $gateTimeout"
                        }
                    }
                }
            }
        }.start(wait = false)
        port = runBlocking { server.engine.resolvedConnectors().first().port }
        return this
    }

    /** Stops at once: open requests are cut off. Blocks until the server has stopped. */
    override fun close() {
        server.stop(gracePeriodMillis = 0, timeoutMillis = 2_000)
    }

    public companion object {
        /**
         * Starts a server on [host] and [port] (0: a free one) and returns once it accepts
         * connections. Blocks the calling thread meanwhile: call it outside an event loop.
         */
        @JvmStatic
        @JvmOverloads
        public fun start(host: String = "127.0.0.1", port: Int = 0, gateTimeout: Duration = 10.seconds): DelayServer =
            DelayServer(gateTimeout).startOn(host, port)
    }
}
