package dev.kaio.sync

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield
import org.jetbrains.lincheck.datastructures.Operation

/** Ordered-execution tests for [ReadWriteLock]. */
internal class ReadWriteLockTest {
    private val s = Steps()

    @Test
    fun writerIsNotStarvedAndReadersEnterTogether() = runTest {
        val rw = ReadWriteLock()
        rw.acquireRead()
        val order = mutableListOf<String>()
        launch { rw.withWriteLock { order += "writer"; yield() } }
        yield()
        assertFalse(rw.tryAcquireRead(), "a waiting writer holds back new readers")
        launch { rw.withReadLock { order += "reader1"; yield() } }
        launch { rw.withReadLock { order += "reader2"; yield() } }
        yield()
        rw.releaseRead()
        yield()
        assertEquals(listOf("writer"), order)
        assertTrue(rw.isWriteLocked)
        yield(); yield()
        assertEquals(listOf("writer", "reader1", "reader2"), order)
        yield(); yield()
        assertEquals(0, rw.readers)
    }

    @Test
    fun cancellingAWaitingWriterAdmitsTheReadersBehindIt() = runTest {
        val rw = ReadWriteLock()
        rw.acquireRead()
        val writer = launch { rw.acquireWrite(); s.expectUnreached() }
        yield()
        val reader = launch { rw.acquireRead(); s.expect(2) }
        yield()
        s.expect(1)
        writer.cancel()
        reader.join()
        s.finish(3)
        assertEquals(2, rw.readers)
    }

    @Test
    fun cancelledWaitingWriterLetsReadersIn() = runTest {
        val rw = ReadWriteLock()
        rw.acquireRead()
        val writer = launch { rw.acquireWrite(); s.expectUnreached() }
        yield()
        writer.cancel()
        writer.join()
        assertTrue(rw.tryAcquireRead())
        rw.releaseRead()
        rw.releaseRead()
        assertTrue(rw.tryAcquireWrite())
        rw.releaseWrite()
        assertFailsWith<IllegalStateException> { rw.releaseWrite() }
        assertFailsWith<IllegalStateException> { rw.releaseRead() }
    }
}

/** Linearizability of [ReadWriteLock] in model-checking mode. */
internal class ReadWriteLockLincheckTest {
    private val rw = ReadWriteLock()

    @Operation
    suspend fun acquireRead() = rw.acquireRead()

    @Operation
    suspend fun acquireWrite() = rw.acquireWrite()

    @Operation
    fun tryAcquireWrite() = rw.tryAcquireWrite()

    @Operation
    fun releaseRead() = runCatching { rw.releaseRead() }.isSuccess

    @Operation
    fun releaseWrite() = runCatching { rw.releaseWrite() }.isSuccess

    @org.junit.jupiter.api.Test
    fun modelChecking() = lincheckOptions().check(this::class)
}
