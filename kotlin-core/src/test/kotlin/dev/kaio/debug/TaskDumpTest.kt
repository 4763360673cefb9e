package dev.kaio.debug

import dev.kaio.EventLoop
import dev.kaio.spawn
import kotlin.test.AfterTest
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

class TaskDumpTest {
    @BeforeTest
    fun install() = TaskDump.install()

    @AfterTest
    fun uninstall() = TaskDump.uninstall()

    private suspend fun waitAtTheGate(gate: CompletableDeferred<Unit>) {
        gate.await()
        yield() // keeps this frame a real suspend frame, not a tail call
    }

    @Test
    fun `the dump lists live tasks with their name, state and suspension point, as data and as text`() = runBlocking {
        val gate = CompletableDeferred<Unit>()
        val waiter = spawn("gate-waiter") { waitAtTheGate(gate) }
        val lazy = launch(CoroutineName("not-started"), start = CoroutineStart.LAZY) { }
        yield() // let the waiter reach the gate

        val tasks = TaskDump.capture()
        val suspended = tasks.single { it.name == "gate-waiter" }
        assertEquals(TaskState.SUSPENDED, suspended.state)
        assertEquals("waitAtTheGate", suspended.stack.first { it.className == TaskDumpTest::class.java.name }.methodName)
        assertEquals(waiter, suspended.job)
        assertEquals(TaskState.CREATED, tasks.single { it.name == "not-started" }.state)
        assertTrue(tasks.any { it.state == TaskState.RUNNING }, "the caller itself runs: $tasks")

        val text = TaskDump.render(tasks)
        assertTrue(text.startsWith("${tasks.size} live tasks\n"), text)
        assertTrue("Task 'gate-waiter' SUSPENDED on " in text, text)
        assertTrue("\tat ${TaskDumpTest::class.java.name}.waitAtTheGate(" in text, text)

        gate.complete(Unit)
        waiter.await()
        lazy.cancel()
        assertFalse(TaskDump.capture().any { it.name == "gate-waiter" || it.name == "not-started" }, "finished tasks leave the dump")
    }

    @Test
    fun `debug mode installs the dump for the life of the loop`() {
        TaskDump.uninstall() // only the loop's install remains
        try {
            val names = EventLoop.run(debug = true) {
                spawn("child") { awaitCancellation() }
                yield()
                assertTrue(TaskDump.isInstalled)
                TaskDump.capture().map { it.name }
            }
            assertTrue("child" in names && "main" in names, "$names")
            assertFalse(TaskDump.isInstalled)
        } finally {
            TaskDump.install() // for uninstall() after the test
        }
    }

    @Test
    fun `capture and uninstall without install fail with a message saying what to do`() {
        TaskDump.uninstall()
        try {
            val notInstalled = assertFailsWith<IllegalStateException> { TaskDump.capture() }
            assertEquals("the task dump is not installed: call TaskDump.install() first, or use EventLoop.run(debug = true)", notInstalled.message)
            val nothingToUndo = assertFailsWith<IllegalStateException> { TaskDump.uninstall() }
            assertEquals("the task dump is not installed: nothing to uninstall", nothingToUndo.message)
        } finally {
            TaskDump.install()
        }
    }
}
