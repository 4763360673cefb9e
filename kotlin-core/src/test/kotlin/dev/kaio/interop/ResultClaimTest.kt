package dev.kaio.interop

import dev.kaio.io.BufferedStreamReader
import dev.kaio.io.ByteSource
import java.nio.ByteBuffer
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import kotlin.coroutines.coroutineContext
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

/**
 * The Java facade's read futures (`launchClaimingFuture`): once the read claims its future, it
 * alone settles it; a future settled from outside first makes every read method consume nothing.
 */
internal class ResultClaimTest {
    @Test
    fun afterTheClaimOutsideSettlementFailsAndTheFutureGetsTheResult() = runBlocking {
        val claimed = CompletableDeferred<Boolean>()
        val release = CompletableDeferred<Unit>()
        val future = launchClaimingFuture {
            claimed.complete(coroutineContext[ResultClaim]!!.claim())
            release.await()
            42
        }
        assertTrue(claimed.await())
        assertFalse(future.cancel(false), "cancel after the claim")
        assertFalse(future.completeExceptionally(TimeoutException()), "orTimeout after the claim")
        assertFalse(future.complete(7), "complete after the claim")
        assertFalse(future.isDone)
        release.complete(Unit)
        assertEquals(42, future.get(10, TimeUnit.SECONDS))
    }

    @Test
    fun outsideSettlementFirstDeniesTheClaim() = runBlocking {
        for (settle in listOf<(CompletableFuture<Int>) -> Boolean>(
            { it.cancel(false) },
            { it.completeExceptionally(TimeoutException()) },
            { it.complete(7) },
        )) {
            // The task is running, not suspended, when the future is settled (as a read that is
            // parsing its line): it blocks its thread until then, so the cancellation cannot stop it.
            val started = CountDownLatch(1)
            val go = CountDownLatch(1)
            val claimed = CompletableDeferred<Boolean>()
            val future = launchClaimingFuture {
                started.countDown()
                go.await()
                claimed.complete(coroutineContext[ResultClaim]!!.claim())
                42
            }
            started.await()
            assertTrue(settle(future))
            go.countDown()
            assertFalse(claimed.await())
            assertTrue(future.isDone)
        }
    }

    @Test
    fun repeatedClaimsOfTheSameTaskSucceed() = runBlocking {
        val future = launchClaimingFuture {
            val claim = coroutineContext[ResultClaim]!!
            claim.claim() && claim.claim()
        }
        assertTrue(future.get(10, TimeUnit.SECONDS))
    }

    @ParameterizedTest
    @ValueSource(strings = ["read", "read into a small array", "read into a large array", "read into a direct buffer", "readExactly", "readUntil", "readLine", "readLineBytes", "readToEnd"])
    fun aReadWhoseClaimIsDeniedConsumesNothing(method: String) = runBlocking {
        val data = "first\nsecond\n".toByteArray()
        val reader = BufferedStreamReader(BytesSource(data), limit = 1024)
        val denied = object : ResultClaim() {
            override fun claim() = false
        }
        val read: suspend () -> Any? = {
            when (method) {
                "read" -> reader.read(100)
                "read into a small array" -> ByteArray(6).let { it.copyOf(reader.read(it)) }
                "read into a large array" -> ByteArray(4096).let { it.copyOf(reader.read(it)) }
                "read into a direct buffer" -> ByteBuffer.allocateDirect(4096).let { b ->
                    ByteArray(reader.read(b).coerceAtLeast(0)).also { b.flip().get(it) }
                }
                "readExactly" -> reader.readExactly(6)
                "readUntil" -> reader.readUntil("\n".toByteArray())
                "readLine" -> reader.readLine()
                "readLineBytes" -> reader.readLineBytes()
                else -> reader.readToEnd()
            }
        }
        assertFailsWith<CancellationException> { withContext(denied) { read() } }
        assertFailsWith<CancellationException> { withContext(denied) { read() } }
        val first = read()
        val text = if (first is ByteArray) first.decodeToString() else first as String
        assertTrue("first\nsecond\n".startsWith(text) && text.startsWith("first"), "read after the denied ones: $text")
        assertContentEquals(data.copyOfRange(text.length + (if (method == "readLine") 1 else 0), data.size), reader.readToEnd())
        assertTrue(reader.atEof)
    }

    /** A source holding [data] and then the end; it never needs to wait. */
    private class BytesSource(private val data: ByteArray) : ByteSource {
        private var position = 0

        override fun tryRead(destination: ByteArray, offset: Int, length: Int): Int {
            if (position == data.size) return -1
            val n = minOf(length, data.size - position)
            data.copyInto(destination, offset, position, position + n)
            position += n
            return n
        }

        override suspend fun awaitReadable() = Unit
    }
}
