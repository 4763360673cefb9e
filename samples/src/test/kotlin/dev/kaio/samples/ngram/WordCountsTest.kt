package dev.kaio.samples.ngram

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import org.junit.jupiter.api.Test

class WordCountsTest {
    private fun WordCounts.add(word: String, count: Long) {
        val bytes = word.toByteArray()
        add(bytes, 0, bytes.size, WordCounts.hashOf(bytes, 0, bytes.size), count)
    }

    @Test
    fun `adds up counts per word, through many rehashes, and reads them back`() {
        val counts = WordCounts(expectedWords = 1)
        repeat(3) { round -> for (i in 0 until 20_000) counts.add("w$i", i + round.toLong()) }
        assertEquals(20_000, counts.size)
        assertEquals(3L * 123 + 3, counts["w123"])
        assertEquals(0, counts["absent"])
        assertEquals((0 until 20_000).associate { "w$it" to 3L * it + 3 }, counts.toMap())
    }

    @Test
    fun `a word is found by its bytes, even among words with the same hash`() {
        // "Aa" and "BB" have the same 31-based hash.
        val counts = WordCounts()
        counts.add("Aa", 1)
        counts.add("BB", 2)
        counts.add("Aa", 10)
        assertEquals(mapOf("Aa" to 11L, "BB" to 2L), counts.toMap())
    }

    @Test
    fun `addAll merges another table and the words keep their UTF-8 spelling`() {
        val left = WordCounts().apply { add("café", 1); add("naïve", 2) }
        val right = WordCounts().apply { add("café", 5); add("日本", 7) }
        left.addAll(right)
        assertEquals(mapOf("café" to 6L, "naïve" to 2L, "日本" to 7L), left.toMap())
    }

    @Test
    fun `top is by count, ties by the word's bytes, and never more than there are`() {
        val counts = WordCounts().apply { add("b", 5); add("a", 5); add("c", 9); add("d", 1) }
        assertEquals(listOf("c" to 9L, "a" to 5L, "b" to 5L), counts.top(3))
        assertEquals(4, counts.top(100).size)
        assertEquals(emptyList(), counts.top(0))
        assertFailsWith<IllegalArgumentException> { counts.top(-1) }
    }
}
