package dev.kaio.io

import dev.kaio.interop.runAsLoop
import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import java.io.File
import java.io.FileInputStream
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean
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
import kotlinx.coroutines.yield

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

    /** Sets the soft limit of open files of this JVM with `prlimit`; returns the previous soft limit. */
    private fun setOpenFileLimit(soft: String): String {
        val previous = File("/proc/self/limits").readLines().first { it.startsWith("Max open files") }
            .split(Regex("\\s{2,}"))[1]
        val prlimit = ProcessBuilder("prlimit", "--pid", ProcessHandle.current().pid().toString(), "--nofile=$soft:")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        check(prlimit.waitFor() == 0) { "prlimit failed" }
        return previous
    }

    /**
     * Loads every class of these directories of the class path now: while the JVM has no file
     * descriptor left it cannot open a class file, and the code under test would fail for that.
     */
    private fun preloadClasses(vararg packages: String) {
        val loader = javaClass.classLoader
        for (root in System.getProperty("java.class.path").split(File.pathSeparator).map(::File).filter { it.isDirectory }) {
            for (pkg in packages) {
                val dir = File(root, pkg.replace('.', '/'))
                dir.walk().filter { it.isFile && it.name.endsWith(".class") }.forEach { file ->
                    val name = file.relativeTo(root).path.removeSuffix(".class").replace(File.separatorChar, '.')
                    runCatching { Class.forName(name, false, loader) }
                }
            }
        }
        // The JDK sets up its socket closer (a socket pair) on the first close of a socket channel.
        java.nio.channels.SocketChannel.open().close()
    }

    @Test
    fun anAcceptThatRunsOutOfFileDescriptorsDoesNotStopTheServer() = guard {
        // Linux only: /proc and util-linux's prlimit set this JVM's limit of open files.
        org.junit.jupiter.api.Assumptions.assumeTrue(
            File("/proc/self/limits").exists() &&
                System.getenv("PATH").orEmpty().split(File.pathSeparator).any { File(it, "prlimit").canExecute() },
            "needs /proc and prlimit",
        )
        preloadClasses("dev.kaio")
        val first = AtomicBoolean()
        val firstIn = CompletableDeferred<Unit>()
        val release = CountDownLatch(1)
        val server = startServer("127.0.0.1", 0) { _, writer ->
            if (first.compareAndSet(false, true)) {
                firstIn.complete(Unit)
                // Holds the I/O loop on purpose, so that the next client waits in the backlog until
                // the file descriptors are used up.
                release.await()
                // Resumed in the next loop iteration, after its select let the accept loop try to
                // accept the waiting client: "hello" tells the test that the accept was tried.
                yield()
            }
            writer.writeLine("hello")
        }
        val clients = ArrayList<Socket>()
        val fillers = ArrayList<FileInputStream>()
        var previousLimit: String? = null
        try {
            withContext(Dispatchers.IO) {
                clients += Socket("127.0.0.1", server.port)
                firstIn.await()
                clients += Socket("127.0.0.1", server.port)
                // Use up every file descriptor this JVM may open.
                val highest = File("/proc/self/fd").list()!!.maxOf { it.toInt() }
                previousLimit = setOpenFileLimit((highest + 8).toString())
                try {
                    while (true) fillers += FileInputStream("/dev/null")
                } catch (exhausted: IOException) {
                    // as intended
                }
                release.countDown()
                clients[0].soTimeout = 10_000
                assertEquals("hello", clients[0].getInputStream().bufferedReader().readLine())
                // The accept of the second client has failed for want of a descriptor: give them back.
                fillers.forEach { it.close() }
                fillers.clear()
                setOpenFileLimit(previousLimit!!)
                previousLimit = null
                clients[1].soTimeout = 10_000
                val reply = try {
                    clients[1].getInputStream().bufferedReader().readLine()
                } catch (failure: IOException) {
                    failure.toString()
                }
                assertEquals("hello", reply, "the server stopped accepting after an accept failed for want of a file descriptor")
                assertTrue(server.isServing)
            }
        } finally {
            release.countDown()
            fillers.forEach { it.close() }
            previousLimit?.let { setOpenFileLimit(it) }
            withContext(Dispatchers.IO) { clients.forEach { it.close() } }
            server.close()
            server.abortClients()
        }
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
