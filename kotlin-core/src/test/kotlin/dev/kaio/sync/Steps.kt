package dev.kaio.sync

import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals

/** kotlinx `TestBase` style ordering: each `expect(n)` must be the n-th step of the test. */
internal class Steps {
    private val step = AtomicInteger()

    fun expect(n: Int) {
        val actual = step.incrementAndGet()
        assertEquals(n, actual, "step out of order")
    }

    fun finish(n: Int) {
        expect(n)
    }

    fun expectUnreached(): Nothing = throw AssertionError("should not be reached (after step ${step.get()})")
}
