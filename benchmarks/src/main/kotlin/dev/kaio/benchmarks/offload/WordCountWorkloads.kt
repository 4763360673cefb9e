package dev.kaio.benchmarks.offload

import dev.kaio.mapReduce
import kotlin.random.Random
import kotlinx.coroutines.runBlocking

/**
 * MapReduce word counting, the book's chapter-6 workload: a generated text (words drawn from a
 * fixed vocabulary, seeded, so every run counts the same text) cut into chunks at line ends; map
 * counts the words of a chunk, reduce merges two counts.
 *
 * Two ways to count, measured side by side: the book's (a `HashMap<String, Int>`, a `String` per
 * word and a boxed `Int` per update) and [WordCounts] (a word seen before costs no allocation).
 */
object WordCountWorkloads {
    /** [megabytes] of text as chunks of about one megabyte each. */
    @JvmStatic
    fun generate(megabytes: Int, seed: Long = 42): List<String> {
        val random = Random(seed)
        val vocabulary = List(20_000) { i -> "w${i.toString(36)}${"abcdefghij".take(random.nextInt(1, 10))}" }
        return List(megabytes) {
            val chunk = StringBuilder(1 shl 20)
            while (chunk.length < (1 shl 20)) {
                repeat(12) { chunk.append(vocabulary[random.nextInt(vocabulary.size)]).append(' ') }
                chunk.append('\n')
            }
            chunk.toString()
        }
    }

    /** Calls [word] with the start and end of every word (a run of characters other than space and newline). */
    private inline fun forEachWord(chunk: String, word: (Int, Int) -> Unit) {
        var start = -1
        for (i in 0..chunk.length) {
            val letter = i < chunk.length && chunk[i] != ' ' && chunk[i] != '\n'
            if (letter && start < 0) start = i
            if (!letter && start >= 0) {
                word(start, i)
                start = -1
            }
        }
    }

    @JvmStatic
    fun countWords(chunk: String): HashMap<String, Int> {
        val counts = HashMap<String, Int>(40_000)
        forEachWord(chunk) { start, end -> counts.merge(chunk.substring(start, end), 1, Int::plus) }
        return counts
    }

    @JvmStatic
    fun merge(into: HashMap<String, Int>, other: HashMap<String, Int>): HashMap<String, Int> {
        other.forEach { (word, count) -> into.merge(word, count, Int::plus) }
        return into
    }

    @JvmStatic
    fun countWordsCompact(chunk: String): WordCounts {
        val counts = WordCounts()
        forEachWord(chunk) { start, end -> counts.add(chunk, start, end, 1) }
        return counts
    }

    /**
     * Kaio's mapReduce with [concurrency] map calls at once, counting with a HashMap or, if
     * [compact], with [WordCounts]; returns the number of distinct words.
     */
    @JvmStatic
    fun kaioMapReduce(chunks: List<String>, concurrency: Int, compact: Boolean): Int = runBlocking {
        if (compact) {
            mapReduce(chunks, map = { countWordsCompact(it) }, reduce = WordCounts::addAll, concurrency = concurrency).size
        } else {
            mapReduce(chunks, map = { countWords(it) }, reduce = ::merge, concurrency = concurrency).size
        }
    }
}

/**
 * Word counts in an open-addressing table keyed by character ranges of the text: looking up a
 * word reads it in place, so only the first occurrence of a word allocates (its `String`); counts
 * are plain `Int`s in an array, never boxed.
 */
class WordCounts(capacity: Int = 1 shl 16) {
    private var keys = arrayOfNulls<String>(capacity)
    private var hashes = IntArray(capacity)
    private var counts = IntArray(capacity)

    /** The number of distinct words. */
    var size: Int = 0
        private set

    /** Adds [n] to the count of the word `text[start until end]`. */
    fun add(text: String, start: Int, end: Int, n: Int) {
        var hash = 0
        for (i in start until end) hash = 31 * hash + text[i].code // String.hashCode of the word
        add(text, start, end, n, hash)
    }

    private fun add(text: String, start: Int, end: Int, n: Int, hash: Int) {
        val mask = keys.size - 1
        var slot = (hash xor (hash ushr 16)) and mask
        while (true) {
            val key = keys[slot]
            if (key == null) {
                keys[slot] = if (start == 0 && end == text.length) text else text.substring(start, end)
                hashes[slot] = hash
                counts[slot] = n
                if (++size * 2 > keys.size) grow()
                return
            }
            if (hashes[slot] == hash && key.length == end - start && key.regionMatches(0, text, start, end - start)) {
                counts[slot] += n
                return
            }
            slot = (slot + 1) and mask
        }
    }

    /** The count of [word], 0 if it was never added. */
    fun count(word: String): Int {
        val mask = keys.size - 1
        val hash = word.hashCode()
        var slot = (hash xor (hash ushr 16)) and mask
        while (true) {
            val key = keys[slot] ?: return 0
            if (key == word) return counts[slot]
            slot = (slot + 1) and mask
        }
    }

    /** Adds every count of [other] to this one and returns this. */
    fun addAll(other: WordCounts): WordCounts {
        for (i in other.keys.indices) {
            val key = other.keys[i] ?: continue
            add(key, 0, key.length, other.counts[i], other.hashes[i])
        }
        return this
    }

    private fun grow() {
        val oldKeys = keys
        val oldHashes = hashes
        val oldCounts = counts
        keys = arrayOfNulls(oldKeys.size * 2)
        hashes = IntArray(oldKeys.size * 2)
        counts = IntArray(oldKeys.size * 2)
        size = 0
        for (i in oldKeys.indices) {
            val key = oldKeys[i] ?: continue
            add(key, 0, key.length, oldCounts[i], oldHashes[i])
        }
    }
}
