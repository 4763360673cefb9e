package dev.kaio.io

import java.io.File
import java.io.FileInputStream
import java.io.IOException
import java.net.Socket
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * Run by `ServerLifecycleTest` in a JVM of its own, started with a low limit of open files: makes
 * the server's accept fail for want of a file descriptor, gives the descriptors back, and checks
 * that the waiting client is then served. Prints `accept failed, then served: <reply>`; exits
 * with 1 on any other outcome.
 */
internal object AcceptRetryProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        val reply = try {
            runBlocking(Dispatchers.Default) { withTimeout(30.seconds) { run() } }
        } catch (failure: Throwable) {
            failure.printStackTrace()
            exitProcess(1)
        }
        println("accept failed, then served: $reply")
        exitProcess(if (reply == "hello") 0 else 1)
    }

    private suspend fun run(): String? {
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
                // accept the waiting client: "hello" tells the probe that the accept was tried.
                yield()
            }
            writer.writeLine("hello")
        }
        val clients = ArrayList<Socket>()
        val fillers = ArrayList<FileInputStream>()
        try {
            return withContext(Dispatchers.IO) {
                clients += Socket("127.0.0.1", server.port)
                firstIn.await()
                clients += Socket("127.0.0.1", server.port)
                // Use up every file descriptor this JVM may open (the limit was set by its parent).
                try {
                    while (true) fillers += FileInputStream("/dev/null")
                } catch (exhausted: IOException) {
                    // as intended
                }
                release.countDown()
                clients[0].soTimeout = 10_000
                check(clients[0].getInputStream().bufferedReader().readLine() == "hello") { "the first client got no reply" }
                // The accept of the second client has failed for want of a descriptor: give them back.
                fillers.forEach { it.close() }
                fillers.clear()
                clients[1].soTimeout = 10_000
                try {
                    clients[1].getInputStream().bufferedReader().readLine()
                } catch (failure: IOException) {
                    failure.toString()
                }
            }
        } finally {
            release.countDown()
            fillers.forEach { it.close() }
            clients.forEach { it.close() }
            server.close()
            server.abortClients()
        }
    }

    /**
     * Loads every class of these packages found in directories of the class path now: while the
     * JVM has no file descriptor left it cannot open a class file, and the code under test would
     * fail for that.
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
}
