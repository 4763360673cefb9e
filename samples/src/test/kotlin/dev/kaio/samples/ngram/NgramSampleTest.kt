package dev.kaio.samples.ngram

import dev.kaio.samples.ChildJvm
import dev.kaio.samples.cli.UsageException
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.zip.GZIPInputStream
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class NgramSampleTest {
    @TempDir
    lateinit var dir: Path

    private class Run(val code: Int, val out: String, val err: String)

    private fun ngram(vararg args: String): Run {
        val out = ByteArrayOutputStream()
        val err = ByteArrayOutputStream()
        val errStream = PrintStream(err, true)
        // Usage and I/O errors go to System.err (the launcher's shared runSample), the rest to err.
        val originalErr = System.err
        System.setErr(errStream)
        try {
            val code = NgramSample.main(arrayOf(*args), PrintStream(out, true), errStream)
            return Run(code, out.toString(), err.toString())
        } finally {
            System.setErr(originalErr)
        }
    }

    @Test
    fun `generate, then count prints the top words with their totals and a summary`() {
        val file = dir.resolve("n.tsv").toString()
        val generated = ngram("generate", "--size", "300KB", "--seed", "5", "--words", "2000", "--out", file)
        assertEquals(0, generated.code, generated.err)
        assertContains(generated.err, "to $file")
        assertTrue(Files.size(Path.of(file)) in 300_000L until 300_128L)

        val counted = ngram("count", file, "--top", "3", "--threads", "2")
        assertEquals(0, counted.code, counted.err)
        val expected = runBlocking { countWords(Path.of(file)) }.counts.top(3)
        val printed = counted.out.lines().filter { it.isNotBlank() }.map { it.trim().split(Regex("\\s+")) }
        assertEquals(expected.map { it.first }, printed.map { it[1] })
        assertEquals(expected.map { "%,d".format(it.second) }, printed.map { it[2] })
        assertEquals(listOf("1", "2", "3"), printed.map { it[0] })
        assertContains(counted.err, "(0 malformed)")
        assertContains(counted.err, "M lines/s on 2 threads")
    }

    @Test
    fun `a name ending in gz is written gzipped and read back the same`() {
        val file = dir.resolve("n.tsv.gz")
        assertEquals(0, ngram("generate", "--size", "50KB", "--out", file.toString()).code)
        val text = GZIPInputStream(Files.newInputStream(file)).use { String(it.readAllBytes()) }
        assertTrue(text.length >= 50_000)
        assertEquals(0, ngram("count", file.toString(), "--top", "1").code)
    }

    @Test
    fun `word draws one bar per decade with the decade's total`() {
        val file = dir.resolve("w.tsv")
        Files.writeString(file, "kaba\t1801\t4\t1\nkaba\t1803\t4\t1\nlo\t1810\t9\t1\nkaba\t1825\t2\t1\n")
        val run = ngram("word", file.toString(), "kaba")
        assertEquals(0, run.code, run.err)
        val lines = run.out.lines()
        assertEquals("'kaba': 10 occurrences from 1801 to 1825", lines[0])
        assertTrue(lines[1].startsWith("1800s  " + "█".repeat(40)) && lines[1].endsWith("  8"), lines[1])
        assertTrue(lines[2].startsWith("1810s  " + " ".repeat(40)) && lines[2].endsWith("  0"), lines[2])
        assertTrue(lines[3].startsWith("1820s  " + "█".repeat(10) + " ") && lines[3].endsWith("  2"), lines[3])
        assertContains(ngram("word", file.toString(), "zzz").out, "'zzz' does not occur in w.tsv")
    }

    @Test
    fun `malformed lines go to stderr with their numbers, and the count goes on`() {
        val file = dir.resolve("bad.tsv")
        Files.writeString(file, "a\t1900\t1\t1\noops\na\t1901\t2\t1\n")
        val run = ngram("count", file.toString())
        assertEquals(0, run.code)
        assertContains(run.err, "line 2: malformed, skipped: oops")
        assertContains(run.out, "a  3")
    }

    @Test
    fun `bad options exit 2 with the usage, a missing file exits 1 with its name`() {
        for (args in listOf(
            arrayOf(), arrayOf("tally"), arrayOf("count"), arrayOf("word", "f"), arrayOf("count", "f", "--top", "x"),
            arrayOf("generate", "--size", "12XB"), arrayOf("generate", "--size", "99999999999GB"), arrayOf("count", "f", "--threads", "0"),
            arrayOf("generate", "--seed", "one"),
        )) {
            val run = ngram(*args)
            assertEquals(2, run.code, args.joinToString(" "))
            assertContains(run.err, "Usage: kaio-samples ngram")
        }
        val missing = ngram("count", dir.resolve("missing.tsv").toString())
        assertEquals(1, missing.code)
        assertContains(missing.err, "missing.tsv")
    }

    @Test
    fun `sizes in powers of 1000 and of 1024`() {
        assertEquals(500_000, NgramSample.parseSize("500KB"))
        assertEquals(200_000_000, NgramSample.parseSize("200mb"))
        assertEquals(1L shl 30, NgramSample.parseSize("1GiB"))
        assertEquals(64 * 1024, NgramSample.parseSize("64KiB"))
        assertEquals(1234, NgramSample.parseSize("1234"))
        assertFailsWith<UsageException> { NgramSample.parseSize("-1MB") }
    }

    @Test
    fun `a file twice the size of the heap is counted in a JVM with a small heap`() {
        val file = dir.resolve("big.tsv")
        Files.newOutputStream(file).use { NgramGenerator(11, vocabulary = 20_000).write(it, 80_000_000) }
        val expected = runBlocking { countWords(file) }.counts.top(3)
        ChildJvm("ngram", "count", file.toString(), "--top", "3", jvmOptions = listOf("-Xmx40m")).use { child ->
            val code = child.finish()
            assertEquals(0, code, child.seen.toString())
            for ((word, count) in expected) assertContains(child.seen, "$word  ${"%,d".format(count)}")
        }
    }
}
