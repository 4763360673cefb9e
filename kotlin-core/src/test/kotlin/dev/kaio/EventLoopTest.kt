package dev.kaio

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

class EventLoopTest {
    private fun loopThreadsAlive() = Thread.getAllStackTraces().keys.filter { it.name.startsWith("kaio-loop-") && it.isAlive }

    @Test
    fun `returns main's value, running every step on one thread`() {
        val threads = mutableSetOf<String>()
        val result = EventLoop.run {
            threads += Thread.currentThread().name.substringBefore(" @")
            val child = spawn { delay(1); threads += Thread.currentThread().name.substringBefore(" @"); 2 }
            yield()
            threads += Thread.currentThread().name.substringBefore(" @")
            40 + child.await()
        }
        assertEquals(42, result)
        assertEquals(1, threads.size, "$threads")
        assertTrue(threads.single().startsWith("kaio-loop-"))
    }

    @Test
    fun `rethrows main's exception as it is`() {
        val boom = IllegalStateException("boom")
        assertSame(boom, assertFailsWith<IllegalStateException> { EventLoop.run { throw boom } })
    }

    @Test
    fun `cancels and awaits every task left running, then stops its thread`() {
        val cleanedUp = mutableListOf<String>()
        EventLoop.run {
            launch { try { awaitCancellation() } finally { cleanedUp += "child" } }
            launch {
                shield { try { awaitCancellation() } finally { cleanedUp += "shielded" } }
            }
            yield()
            "main done"
        }
        assertEquals(setOf("child", "shielded"), cleanedUp.toSet())
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (loopThreadsAlive().isNotEmpty() && System.nanoTime() < deadline) loopThreadsAlive().forEach { it.join(100) }
        assertTrue(loopThreadsAlive().isEmpty(), "loop threads left: ${loopThreadsAlive()}")
    }

    @Test
    fun `work moved off the loop's thread still belongs to the loop`() {
        val cleanedUp = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val owners = EventLoop.run {
            val loopOwner = ownerScope()
            // shielded work started on another dispatcher is the loop's: cancelled when main returns
            val shielded = CompletableDeferred<Unit>()
            launch(Dispatchers.IO) {
                shield { try { shielded.complete(Unit); awaitCancellation() } finally { cleanedUp += "shielded on IO" } }
            }
            shielded.await()
            listOf(
                loopOwner,
                withContext(Dispatchers.IO) { ownerScope() },
                withContext(Dispatchers.Default) { spawn { withContext(Dispatchers.IO) { ownerScope() } }.await() },
                withContext(NonCancellable) { ownerScope() },
            ).also { yield() }
        }
        assertTrue(owners[0] !== BackgroundScope)
        owners.forEachIndexed { i, owner -> assertSame(owners[0], owner, "owner #$i") }
        assertEquals(listOf("shielded on IO"), cleanedUp.toList())
    }

    @Test
    fun `loops running at once each own their own tasks, and none is left registered`() {
        val ready = java.util.concurrent.CyclicBarrier(2)
        val results = java.util.concurrent.ConcurrentHashMap<Int, Boolean>()
        val loops = List(2) { n ->
            Thread {
                results[n] = EventLoop.run {
                    val mine = ownerScope()
                    withContext(Dispatchers.IO) { ready.await(10, TimeUnit.SECONDS) }
                    withContext(Dispatchers.IO) { ownerScope() } === mine && mine !== BackgroundScope
                }
            }.also { it.start() }
        }
        loops.forEach { it.join(20_000) }
        assertEquals(mapOf(0 to true, 1 to true), results.toMap())
        assertEquals(0, LoopBinding.registeredLoopCount()) // test classes run one at a time, so no other loop runs now
    }

    @Test
    fun `debug mode logs a step that blocks the loop thread`() {
        val captured = ByteArrayOutputStream()
        val original = System.err
        System.setErr(PrintStream(captured, true))
        try {
            EventLoop.run(debug = true) {
                val blocker = spawn(name = "blocker") {
                    Thread.sleep(150) // the behaviour under test: a step that holds the loop thread
                }
                blocker.await()
                spawn(name = "polite") { delay(150) }.await()
            }
        } finally {
            System.setErr(original)
        }
        val log = captured.toString()
        assertTrue("Executing task 'blocker' took" in log, log)
        assertFalse("'polite'" in log, log)
    }

    @Test
    fun `interrupting the waiting thread cancels main and throws InterruptedException after its finally`() {
        val started = java.util.concurrent.CountDownLatch(1)
        var cleanedUp = false
        var thrown: Throwable? = null
        val caller = Thread {
            try {
                EventLoop.run {
                    try { started.countDown(); awaitCancellation() } finally { cleanedUp = true }
                }
            } catch (e: Throwable) {
                thrown = e
            }
        }
        caller.start()
        assertTrue(started.await(10, TimeUnit.SECONDS))
        caller.interrupt()
        caller.join(10_000)
        assertTrue(thrown is InterruptedException, "$thrown")
        assertTrue(cleanedUp)
    }

    @Test
    fun `SIGTERM cancels main so that its finally blocks run`() {
        val java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")
        val process = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SignalledMain::class.java.name)
            .redirectErrorStream(true)
            .start()
        try {
            val output = process.inputStream.bufferedReader()
            assertEquals("started", output.readLine())
            process.toHandle().destroy() // SIGTERM; Process.destroy() would also close our end of the pipe
            assertTrue(process.waitFor(30, TimeUnit.SECONDS))
            val rest = output.readText()
            assertTrue("finally ran" in rest, rest)
        } finally {
            process.destroyForcibly()
        }
    }
}

/** Run in a child JVM by the SIGTERM test. */
object SignalledMain {
    @JvmStatic
    fun main(args: Array<String>) {
        val never = CompletableDeferred<Unit>()
        EventLoop.run {
            try {
                println("started")
                System.out.flush()
                never.await()
            } finally {
                println("finally ran")
                System.out.flush()
            }
        }
    }
}
