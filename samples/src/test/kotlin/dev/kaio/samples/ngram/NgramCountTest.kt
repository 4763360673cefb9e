package dev.kaio.samples.ngram

import java.io.ByteArrayOutputStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.zip.GZIPOutputStream
import kotlin.io.path.readLines
import kotlin.io.path.writeBytes
import kotlin.io.path.writeText
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class NgramCountTest {
    @TempDir
    lateinit var dir: Path

    private fun generated(name: String = "ngrams.tsv", bytes: Long = 2_000_000, seed: Long = 7): Path {
        val file = dir.resolve(name)
        Files.newOutputStream(file).use { NgramGenerator(seed, vocabulary = 5_000).write(it, bytes) }
        return file
    }

    /** The book's map_frequencies, single-threaded, on strings: the reference the fast path must match. */
    private fun plainCount(file: Path): Map<String, Long> {
        val counts = HashMap<String, Long>()
        for (line in file.readLines()) {
            val fields = line.split('\t')
            counts.merge(fields[0], fields[2].toLong(), Long::plus)
        }
        return counts
    }

    @Test
    fun `counts on every core equal a plain single-threaded count, whatever the block size`() = runBlocking {
        val file = generated()
        val expected = plainCount(file)
        for ((threads, blockSize) in listOf(2 to 64 * 1024, 1 to 4096, 4 to DEFAULT_BLOCK_SIZE)) {
            val totals = countWords(file, threads, blockSize)
            assertEquals(expected, totals.counts.toMap(), "threads=$threads blockSize=$blockSize")
            assertEquals(file.readLines().size.toLong(), totals.report.lines)
            assertEquals(0, totals.report.malformedCount)
        }
    }

    @Test
    fun `a gzipped file is recognised by its bytes and counted the same`() = runBlocking {
        val plain = generated()
        val gzipped = dir.resolve("ngrams.data") // no .gz in the name: the magic bytes tell
        GZIPOutputStream(Files.newOutputStream(gzipped)).use { Files.copy(plain, it) }
        assertEquals(plainCount(plain), countWords(gzipped, threads = 2, blockSize = 32 * 1024).counts.toMap())
    }

    @Test
    fun `malformed lines are reported with their line number and skipped`() = runBlocking {
        val file = dir.resolve("bad.tsv")
        file.writeText(
            listOf(
                "apple\t1900\t5\t2", // 1
                "", // 2: empty
                "apple\t19x0\t5\t2", // 3: year not a number
                "pear\t1901\t3", // 4: a field missing
                "\t1902\t1\t1", // 5: empty word
                "pear\t1903\t4\t1\r", // 6: CRLF is fine
                "apple\t1904\t\t1", // 7: empty count
                "pear\t1905\t6\t2\textra", // 8: a field too many
                "apple\t1906\t10\t3", // 9, the last line, without a newline
            ).joinToString("\n"),
        )
        for (blockSize in listOf(16, 40, DEFAULT_BLOCK_SIZE)) {
            val totals = countWords(file, threads = 2, blockSize = blockSize)
            assertEquals(mapOf("apple" to 15L, "pear" to 4L), totals.counts.toMap(), "blockSize=$blockSize")
            assertEquals(9, totals.report.lines)
            // With 16-byte blocks line 8 is longer than a block: still line 8, reported as too long.
            assertEquals(listOf(2L, 3, 4, 5, 7, 8), totals.report.malformed.map { it.line }, "blockSize=$blockSize")
            assertEquals(6, totals.report.malformedCount)
        }
        val report = countWords(file, threads = 1).report
        assertEquals(Malformed(3, "apple\t19x0\t5\t2"), report.malformed[1])
        assertEquals(Malformed(8, "pear\t1905\t6\t2\textra"), report.malformed[5])
    }

    @Test
    fun `a line longer than a block is one malformed line and the lines around it still count`() = runBlocking {
        val file = dir.resolve("long.tsv")
        file.writeText("apple\t1900\t5\t2\n" + "x".repeat(5000) + "\t1900\t1\t1\npear\t1901\t3\t1\n")
        val totals = countWords(file, threads = 2, blockSize = 1024)
        assertEquals(mapOf("apple" to 5L, "pear" to 3L), totals.counts.toMap())
        assertEquals(3, totals.report.lines)
        assertEquals(listOf(2L), totals.report.malformed.map { it.line })
    }

    @Test
    fun `only the first malformed lines are kept, all are counted`() = runBlocking {
        val file = dir.resolve("many-bad.tsv")
        file.writeText((1..100).joinToString("") { if (it % 2 == 0) "bad line $it\n" else "w\t2000\t1\t1\n" })
        val report = countWords(file, threads = 2, blockSize = 64).report
        assertEquals(100, report.lines)
        assertEquals(50, report.malformedCount)
        assertEquals((1..LineReport.KEPT).map { 2L * it }, report.malformed.map { it.line })
    }

    @Test
    fun `an empty file has no lines and no words`() = runBlocking {
        val file = dir.resolve("empty.tsv")
        file.writeBytes(ByteArray(0))
        val totals = countWords(file)
        assertEquals(0, totals.report.lines)
        assertEquals(0, totals.counts.size)
    }

    @Test
    fun `a word's occurrences by year equal a plain count`() = runBlocking {
        val file = generated()
        val word = NgramGenerator.word(3)
        val expected = sortedMapOf<Int, Long>()
        for (line in file.readLines()) {
            val fields = line.split('\t')
            if (fields[0] == word) expected.merge(fields[1].toInt(), fields[2].toLong(), Long::plus)
        }
        assertTrue(expected.size > 100, "a frequent word occurs in most years")
        assertEquals(expected, countByYear(file, word, threads = 2, blockSize = 16 * 1024).byYear)
        assertEquals(emptyMap(), countByYear(file, "no-such-word", threads = 2).byYear)
    }

    @Test
    fun `a missing file fails at once with the I-O error`() {
        runBlocking {
            assertFailsWith<java.nio.file.NoSuchFileException> { countWords(dir.resolve("missing.tsv")) }
        }
    }

    @Test
    fun `misuse - no threads`() {
        runBlocking {
            assertFailsWith<IllegalArgumentException> { countWords(generated(bytes = 100), threads = 0) }
        }
    }

    @Test
    fun `cancelled while reading, the count stops and the file is closed`() = runBlocking {
        val file = generated(bytes = 20_000_000)
        val firstRound = CompletableDeferred<Unit>()
        val counting = async(Dispatchers.Default) {
            countWords(file, threads = 2, blockSize = 64 * 1024) { _, _ -> firstRound.complete(Unit) }
        }
        firstRound.await()
        counting.cancel()
        assertFailsWith<CancellationException> { counting.await() }
        assertTrue(counting.isCancelled)
        assertTrue(openDescriptorsOf(file).isEmpty(), "the file is still open")
    }

    @Test
    fun `cancelled before it starts, the file is closed all the same`() = runBlocking {
        val file = generated(bytes = 1_000_000)
        val counting = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            countWords(file, threads = 2, blockSize = 4096)
        }
        withTimeout(10_000) { counting.cancelAndJoin() }
        assertTrue(counting.isCancelled)
        assertTrue(openDescriptorsOf(file).isEmpty(), "the file is still open")
    }

    @Test
    fun `the generator writes the same bytes for the same seed, whole lines just past the size`() {
        fun bytes(seed: Long) = ByteArrayOutputStream().also { NgramGenerator(seed, vocabulary = 1000).write(it, 100_000) }.toByteArray()
        val first = bytes(3)
        assertTrue(first.contentEquals(bytes(3)))
        assertTrue(!first.contentEquals(bytes(4)))
        assertTrue(first.size in 100_000 until 100_128, "size ${first.size}")
        assertEquals('\n'.code.toByte(), first.last())
        val lines = String(first).lines().dropLast(1).map { it.split('\t') }
        for (fields in lines) {
            assertEquals(4, fields.size)
            assertTrue(fields[1].toInt() in 1800..2012)
            assertTrue(fields[3].toLong() in 1..fields[2].toLong(), "volume_count <= match_count")
        }
        // Zipf: the word of rank 0 is the most frequent, and far more frequent than rank 100's.
        val frequency = lines.groupingBy { it[0] }.eachCount()
        assertEquals(NgramGenerator.word(0), frequency.maxBy { it.value }.key)
        assertTrue(frequency.getValue(NgramGenerator.word(0)) > 20 * (frequency[NgramGenerator.word(100)] ?: 0))
    }

    /** The file descriptors of this JVM that point at [file] (Linux's /proc). */
    private fun openDescriptorsOf(file: Path): List<Path> {
        val target = file.toRealPath()
        return Files.list(Path.of("/proc/self/fd")).use { descriptors ->
            descriptors.toList().filter { runCatching { Files.readSymbolicLink(it) == target }.getOrDefault(false) }
        }
    }
}
