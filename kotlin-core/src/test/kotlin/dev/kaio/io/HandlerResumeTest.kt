package dev.kaio.io

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * Where a server handler runs after it waited for its socket: handlers on the I/O loop are resumed
 * right in the selector's callback, with their thread-context elements set around them and
 * restored after; a handler given another dispatcher is resumed on that dispatcher.
 */
internal class HandlerResumeTest {
    private val tag = ThreadLocal<String?>()

    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    /** An echo of the context of each line: what [tag] holds and whether it runs on the I/O loop's thread. */
    private suspend fun contextEcho(context: kotlin.coroutines.CoroutineContext) =
        startServer("127.0.0.1", 0, context = context) { reader, writer ->
            while (reader.readLineBytes() != null) {
                writer.writeLine("${tag.get()} ${Thread.currentThread().name.startsWith("kaio-io")}")
                writer.drain()
            }
        }

    private suspend fun askTimes(server: Server, times: Int): List<String> {
        val (reader, writer) = openConnection("127.0.0.1", server.port)
        try {
            // One line at a time: the handler waits for the socket before each one.
            return List(times) {
                writer.writeLine("line $it")
                reader.readLine()!!
            }
        } finally {
            writer.close()
            server.close()
            server.abortClients()
            server.waitClosed()
        }
    }

    @Test
    fun aLoopHandlerHasItsThreadContextAfterEveryWaitAndTheLoopGetsItsOwnBack() = guard {
        assertEquals(List(5) { "handler true" }, askTimes(contextEcho(tag.asContextElement("handler")), 5))
        // Same loop thread, a handler without the element: the value was restored after each resumption.
        assertEquals(List(2) { "null true" }, askTimes(contextEcho(kotlin.coroutines.EmptyCoroutineContext), 2))
    }

    @Test
    fun aHandlerOnAnotherDispatcherIsResumedThereNotOnTheLoop() = guard {
        val answers = askTimes(contextEcho(Dispatchers.Default + tag.asContextElement("default")), 5)
        assertEquals(List(5) { "default false" }, answers)
    }
}
