package dev.kaio.samples.ngram

import java.io.OutputStream
import java.util.SplittableRandom
import kotlin.math.ln
import kotlin.math.pow
import kotlin.math.sqrt

/**
 * Writes a file in the Google Books 1-gram format (`word TAB year TAB match_count TAB
 * volume_count`), because the book's download is not available offline.
 *
 * What makes it realistic enough for a benchmark: words follow Zipf's law (the word of rank `r`
 * comes with probability proportional to `1 / r^exponent`, as words do in real text), years run
 * from 1800 to 2012 with more lines in later years (more books were printed), and a line's
 * volume count never exceeds its match count. The words are made-up syllable strings, unique per
 * rank. The same [seed] writes the same bytes.
 */
internal class NgramGenerator(seed: Long, vocabulary: Int = 50_000, exponent: Double = 1.07) {
    private val random = SplittableRandom(seed)
    private val words: Array<ByteArray> = Array(vocabulary) { word(it).toByteArray(Charsets.US_ASCII) }
    private val cumulative = DoubleArray(vocabulary)

    init {
        require(vocabulary >= 1) { "vocabulary < 1: $vocabulary" }
        var sum = 0.0
        for (rank in 0 until vocabulary) {
            sum += 1.0 / (rank + 1.0).pow(exponent)
            cumulative[rank] = sum
        }
        for (rank in 0 until vocabulary) cumulative[rank] /= sum
    }

    /** What [write] wrote. */
    data class Written(val lines: Long, val bytes: Long)

    /**
     * Writes whole lines to [out] until at least [targetBytes] bytes are written (so the last line
     * may pass the target by one line), and flushes it; [out] is not closed.
     */
    fun write(out: OutputStream, targetBytes: Long): Written {
        require(targetBytes >= 0) { "targetBytes < 0: $targetBytes" }
        val buffer = ByteArray(1 shl 16)
        var used = 0
        var lines = 0L
        var written = 0L
        while (written < targetBytes) {
            if (used > buffer.size - MAX_LINE) {
                out.write(buffer, 0, used)
                used = 0
            }
            val start = used
            val word = words[rank(random.nextDouble())]
            System.arraycopy(word, 0, buffer, used, word.size)
            used += word.size
            buffer[used++] = TAB
            used = writeNumber(buffer, used, year())
            buffer[used++] = TAB
            val matches = 1 + (-ln(1.0 - random.nextDouble()) * 30).toLong()
            used = writeNumber(buffer, used, matches)
            buffer[used++] = TAB
            used = writeNumber(buffer, used, 1 + random.nextLong(matches))
            buffer[used++] = NEWLINE
            written += used - start
            lines++
        }
        out.write(buffer, 0, used)
        out.flush()
        return Written(lines, written)
    }

    private fun rank(uniform: Double): Int {
        val found = cumulative.binarySearch(uniform)
        return (if (found >= 0) found else -found - 1).coerceAtMost(cumulative.size - 1)
    }

    /** 1800–2012, denser towards the end: the square root of a uniform number leans towards 1. */
    private fun year(): Long = 1800L + minOf(212, (sqrt(random.nextDouble()) * 213).toInt())

    private fun writeNumber(buffer: ByteArray, at: Int, number: Long): Int {
        var digits = 1
        var rest = number / 10
        while (rest > 0) {
            digits++
            rest /= 10
        }
        var value = number
        for (i in at + digits - 1 downTo at) {
            buffer[i] = ('0'.code + (value % 10).toInt()).toByte()
            value /= 10
        }
        return at + digits
    }

    companion object {
        private const val TAB: Byte = '\t'.code.toByte()
        private const val NEWLINE: Byte = '\n'.code.toByte()
        private const val MAX_LINE = 128
        private val SYLLABLES = listOf(
            "ba", "ce", "di", "fo", "gu", "ha", "ke", "li", "mo", "nu",
            "pa", "re", "si", "to", "vu", "wa", "xe", "yo", "za", "lu",
        )

        /** The word of [rank]: its digits in base 20, one syllable each, so each rank has its own word. */
        fun word(rank: Int): String {
            val digits = StringBuilder()
            var rest = rank
            do {
                digits.insert(0, SYLLABLES[rest % SYLLABLES.size])
                rest /= SYLLABLES.size
            } while (rest > 0)
            return digits.toString()
        }
    }
}
