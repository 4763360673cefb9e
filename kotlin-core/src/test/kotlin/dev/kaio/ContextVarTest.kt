package dev.kaio

import kotlin.coroutines.CoroutineContext
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.slf4j.LoggerFactory
import org.slf4j.helpers.BasicMDCAdapter
import org.slf4j.spi.MDCAdapter
import kotlin.coroutines.AbstractCoroutineContextElement

class ContextVarTest {
    private val requestId = ContextVar<String?>("requestId", null)
    private val counter = ContextVar("counter", 0)
    private val mdc = BasicMDCAdapter()

    /** A test on virtual time where the test coroutine has context variables of its own. */
    private fun contextTest(body: suspend kotlinx.coroutines.CoroutineScope.() -> Unit) =
        runTest { withContext(copyContext()) { body() } }

    @Test
    fun `an unset variable has its default, and set and reset restore it`() = contextTest {
        assertEquals(0, counter.get())
        val first = counter.set(1)
        val second = counter.set(2)
        assertEquals(2, counter.get())
        counter.reset(second)
        assertEquals(1, counter.get())
        counter.reset(first)
        assertEquals(0, counter.get())
    }

    @Test
    fun `a token works once, for its own variable and task`() = contextTest {
        val token = counter.set(5)
        counter.reset(token)
        assertEquals("Token of ContextVar 'counter' has already been used once",
            assertFailsWith<IllegalStateException> { counter.reset(token) }.message)
        val other = requestId.set("r")
        @Suppress("UNCHECKED_CAST")
        assertFailsWith<IllegalArgumentException> { counter.reset(other as ContextVar.Token<Int>) }
        val parentToken = counter.set(7)
        val e = async { assertFailsWith<IllegalArgumentException> { counter.reset(parentToken) } }.await()
        assertEquals("Token of ContextVar 'counter' was created in a different task (context)", e.message)
    }

    @Test
    fun `a child sees the parent's values at spawn time, and its own sets stay its own`() = contextTest {
        requestId.set("parent")
        val childMaySet = CompletableDeferred<Unit>()
        val child = launch {
            assertEquals("parent", requestId.get())
            childMaySet.await()
            requestId.set("child")
            assertEquals("child", requestId.get())
        }
        val sibling = async { delay(10); requestId.get() }
        requestId.set("parent, later") // after spawning: the child keeps the earlier value
        childMaySet.complete(Unit)
        child.join()
        assertEquals("parent", sibling.await())
        assertEquals("parent, later", requestId.get())
    }

    @Test
    fun `values are isolated across 10,000 concurrent tasks`() = contextTest {
        counter.set(-1)
        val seen = (0 until 10_000).map { i ->
            async(Dispatchers.Default) {
                counter.set(i)
                yield()
                delay(1) // a real suspension, resumed on any Default thread
                counter.get()
            }
        }.awaitAll()
        assertEquals((0 until 10_000).toList(), seen)
        assertEquals(-1, counter.get())
    }

    @Test
    fun `a value set before spawning reaches a child on another dispatcher and thread`() = runBlocking(copyContext()) {
        requestId.set("req-42")
        val callerThread = Thread.currentThread()
        val (thread, value) = async(Dispatchers.IO) { Thread.currentThread() to requestId.get() }.await()
        assertNotEquals(callerThread, thread)
        assertEquals("req-42", value)
        assertEquals("req-42", toThread { requestId.get() })
        assertEquals("req-42", cpuBound { requestId.get() })
        var onPlainThread: String? = "unset"
        Thread { onPlainThread = requestId.get() }.apply { start(); join() }
        assertNull(onPlainThread, "a plain thread has values of its own")
    }

    @Test
    fun `EventLoop tasks start from the values of the thread that called run`() {
        val token = requestId.set("from-caller")
        try {
            val seen = EventLoop.run {
                val inMain = requestId.get()
                requestId.set("main changed it")
                inMain
            }
            assertEquals("from-caller", seen)
            assertEquals("from-caller", requestId.get(), "main's set stayed in main")
        } finally {
            requestId.reset(token)
        }
    }

    /**
     * The MDC bridge: puts the task's request id into SLF4J's MDC at every resume, as
     * kotlinx-coroutines-slf4j's MDCContext does. In production `mdc` is `MDC.getMDCAdapter()`;
     * the tests' binding (slf4j-simple) has a no-op MDC, so the test gives SLF4J's own
     * `BasicMDCAdapter`, the thread-local MDC that logback's and log4j's resemble.
     */
    private class RequestIdMdc(private val variable: ContextVar<String?>, private val mdc: MDCAdapter) :
        AbstractCoroutineContextElement(Key), ThreadContextElement<String?> {
        companion object Key : CoroutineContext.Key<RequestIdMdc>

        override fun updateThreadContext(context: CoroutineContext): String? {
            val previous = mdc.get("requestId")
            val id = variable.get(context)
            if (id == null) mdc.remove("requestId") else mdc.put("requestId", id)
            return previous
        }

        override fun restoreThreadContext(context: CoroutineContext, oldState: String?) {
            if (oldState == null) mdc.remove("requestId") else mdc.put("requestId", oldState)
        }
    }

    @Test
    fun `a request id carried into SLF4J's MDC through a context variable`() = runBlocking(copyContext() + RequestIdMdc(requestId, mdc)) {
        val log = LoggerFactory.getLogger("request-log")
        suspend fun handle(id: String): String? = coroutineScope {
            requestId.set(id)
            // a child on another dispatcher: its MDC shows the id it inherited
            async(Dispatchers.Default) {
                log.info("handling") // a real logger would print requestId=$id
                mdc.get("requestId")
            }.await()
        }
        val ids = (1..50).map { n -> async(copyContext()) { handle("req-$n") } }.awaitAll()
        assertEquals((1..50).map { "req-$it" }, ids)
    }
}
