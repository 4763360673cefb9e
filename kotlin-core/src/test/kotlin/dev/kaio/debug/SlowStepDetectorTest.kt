package dev.kaio.debug

import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/** The detector on real threads: `Thread.sleep` is the blocking behaviour under test. */
class SlowStepDetectorTest {
    private class Recorder : SlowStepListener {
        val steps = CopyOnWriteArrayList<SlowStep>()
        val finished = CountDownLatch(1)
        override fun onSlowStep(step: SlowStep) {
            steps += step
            if (step.finished) finished.countDown()
        }
    }

    @Test
    fun `a step blocked in Thread sleep is reported while it blocks, naming the blocking frame`() {
        val recorder = Recorder()
        runBlocking(SlowStepDetector(100.milliseconds, recorder).wrap(Dispatchers.Default) + CoroutineName("sleeper")) {
            delay(1)
            Thread.sleep(300)
        }
        assertTrue(recorder.finished.await(10, TimeUnit.SECONDS))
        assertSleepReported(recorder)
    }

    @Test
    fun `on runBlocking's loop, a step resumed by the loop's own timer is watched too`() {
        val recorder = Recorder()
        runBlocking {
            val loop = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
            withContext(SlowStepDetector(100.milliseconds, recorder).wrap(loop)) {
                launch(CoroutineName("sleeper")) {
                    delay(1) // scheduled on the loop's timer, which resumes through the wrapper
                    Thread.sleep(300)
                }
            }
        }
        assertTrue(recorder.finished.await(10, TimeUnit.SECONDS))
        assertSleepReported(recorder)
    }

    private fun assertSleepReported(recorder: Recorder) {
        val whileBlocked = recorder.steps.single { !it.finished }
        assertEquals("sleeper", whileBlocked.taskName)
        assertTrue(whileBlocked.duration >= 100.milliseconds, "${whileBlocked.duration}")
        val top = whileBlocked.stack.first { it.className != "java.lang.Thread" || it.methodName == "sleep" }
        assertEquals("java.lang.Thread.sleep", "${top.className}.${top.methodName}", whileBlocked.toString())
        assertTrue(whileBlocked.stack.any { it.className.startsWith(SlowStepDetectorTest::class.java.name) })
        val atEnd = recorder.steps.single { it.finished }
        assertTrue(atEnd.duration >= 300.milliseconds, "${atEnd.duration}")
        assertEquals(whileBlocked.stack, atEnd.stack)
    }

    @Test
    fun `a task that suspends in delay is never reported`() {
        val recorder = Recorder()
        val detector = SlowStepDetector(100.milliseconds, recorder)
        runBlocking {
            val loop = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
            withContext(detector.wrap(loop)) {
                launch(CoroutineName("polite")) { delay(300) }
                launch(detector.wrap(Dispatchers.IO) + CoroutineName("polite on IO")) { delay(300) }
                withContext(detector.wrap(Dispatchers.Default)) { delay(300) }
            }
        }
        assertEquals(emptyList(), recorder.steps.toList())
    }

    @Test
    fun `the threshold must be positive`() {
        val e = assertFailsWith<IllegalArgumentException> { SlowStepDetector(Duration.ZERO) }
        assertEquals("threshold must be positive: 0s", e.message)
    }
}
