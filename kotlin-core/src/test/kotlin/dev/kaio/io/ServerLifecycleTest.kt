package dev.kaio.io

import dev.kaio.interop.runAsLoop
import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.coroutines.CoroutineContext
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** Server lifecycle edges: what the server must close when its handlers end early or late. Real sockets on 127.0.0.1. */
internal class ServerLifecycleTest {
    private fun guard(block: suspend CoroutineScope.() -> Unit) =
        runBlocking(Dispatchers.Default) { withTimeout(30.seconds, block) }

    /**
     * A dispatcher that runs a coroutine's first step only once its Job is cancelled: a handler
     * whose dispatcher had not got to it yet when the server's owner ended.
     */
    @OptIn(InternalCoroutinesApi::class)
    private class RunsOnlyOnceCancelled : CoroutineDispatcher() {
        override fun dispatch(context: CoroutineContext, block: Runnable) {
            context[Job]!!.invokeOnCompletion(onCancelling = true, invokeImmediately = true) {
                Thread(block, "runs-once-cancelled").start()
            }
        }
    }

    @Test
    fun aHandlerCancelledBeforeItRanStillClosesItsConnection() = guard {
        lateinit var client: Connection
        runAsLoop {
            // The handler would wait forever; it is cancelled when the loop that owns the server ends.
            val server = startServer("127.0.0.1", 0, context = RunsOnlyOnceCancelled()) { _, _ -> awaitCancellation() }
            client = openConnection("127.0.0.1", server.port)
            while (server.connectionCount == 0) delay(1)
        }
        // The loop has ended: its server's handlers are cancelled, and their connections must end.
        val end = withTimeoutOrNull(5.seconds) {
            try {
                client.reader.read(1)
            } catch (reset: IOException) {
                ByteArray(0)
            }
        }
        client.writer.abort()
        assertNotNull(end, "the connection of a handler cancelled before it ran was left open")
        assertEquals(0, end.size)
    }

    @Test
    fun abortClientsAbortsAConnectionStillSendingAfterItsHandlerReturned() = guard {
        val writerOfHandler = CompletableDeferred<StreamWriter>()
        val server = startServer("127.0.0.1", 0) { _, writer ->
            // More than the socket buffers of both ends can hold: the rest waits for a reader.
            writer.write(ByteArray(32 * 1024 * 1024))
            writerOfHandler.complete(writer)
        }
        // A client that never reads.
        val client = withContext(Dispatchers.IO) {
            Socket().apply {
                receiveBufferSize = 4096
                connect(InetSocketAddress("127.0.0.1", server.port))
            }
        }
        try {
            val writer = writerOfHandler.await()
            while (server.connectionCount > 0) delay(1)
            assertTrue(writer.bufferedByteCount > 0, "precondition: the handler returned with bytes still buffered")

            server.close()
            server.abortClients()
            server.waitClosed()
            val closed = withTimeoutOrNull(5.seconds) { writer.waitClosed() }
            assertNotNull(closed, "abortClients left open a connection whose handler had returned but that was still sending")
        } finally {
            withContext(Dispatchers.IO) { client.close() }
        }
    }

    @Test
    fun anAcceptThatRunsOutOfFileDescriptorsDoesNotStopTheServer() {
        // In a JVM of its own, started by `sh` with `ulimit -n`: the probe uses up every descriptor
        // it may open, which would break whatever else ran in this JVM at that moment.
        val java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")
        val probe = ProcessBuilder(
            "/bin/sh", "-c", "ulimit -n 512 && exec \"$@\"", "sh",
            java, "-cp", System.getProperty("java.class.path"), AcceptRetryProbe::class.java.name,
        ).redirectErrorStream(true).start()
        val output = probe.inputStream.bufferedReader().readText()
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "the probe did not end: $output")
        assertEquals(0, probe.exitValue(), output)
        assertTrue("accept failed, then served: hello" in output, output)
    }

    @Test
    fun aHandlerContextWithAJobIsRefusedClearly() = guard {
        // With a Job in it, handlers would be that Job's children instead of the server's: waitClosed
        // and a cancelled serveForever would not wait for them. The context is for a dispatcher and
        // the like; a Job there is a misuse, which fails fast.
        val failure = kotlin.test.assertFailsWith<IllegalArgumentException> {
            val server = startServer("127.0.0.1", 0, context = coroutineContext) { _, _ -> }
            server.close()
        }
        assertTrue("Job" in failure.message!!, failure.message)
    }
}
