package dev.kaio.samples.ngram

/**
 * Occurrences per word, keyed by the word's UTF-8 bytes: the partial map of one chunk in `ngram
 * count`, and the merged total.
 *
 * Why not `HashMap<String, Long>`: a 200 MB file has some ten million lines, and a `String` plus a
 * boxed `Long` per line would cost more than reading the file. Here a word is hashed while it is
 * scanned, looked up by comparing bytes in place, and copied once, the first time it is seen, into
 * an arena; counts are primitive. Open addressing with linear probing, kept at most half full.
 *
 * Not thread-safe: each chunk has its own table, and the reduce step merges two tables at a time.
 */
internal class WordCounts(expectedWords: Int = 1024) {
    private var slots = IntArray(tableSizeFor(expectedWords)) // entry index + 1; 0 is empty
    private var hashes = IntArray(expectedWords)
    private var starts = IntArray(expectedWords)
    private var lengths = IntArray(expectedWords)
    private var counts = LongArray(expectedWords)
    private var arena = ByteArray(expectedWords * 8)
    private var arenaSize = 0

    /** How many distinct words. */
    var size: Int = 0
        private set

    /** Adds [count] to the word `bytes[start until end]`, whose [hash] is [hashOf] those bytes. */
    fun add(bytes: ByteArray, start: Int, end: Int, hash: Int, count: Long) {
        val mask = slots.size - 1
        var slot = mix(hash) and mask
        while (true) {
            val entry = slots[slot] - 1
            if (entry < 0) break
            if (hashes[entry] == hash && sameBytes(entry, bytes, start, end)) {
                counts[entry] += count
                return
            }
            slot = (slot + 1) and mask
        }
        slots[slot] = insert(bytes, start, end, hash, count) + 1
        if (size * 2 > slots.size) rehash(slots.size * 2)
    }

    /** Adds every count of [other] to this table and returns this table. */
    fun addAll(other: WordCounts): WordCounts {
        for (entry in 0 until other.size) {
            add(other.arena, other.starts[entry], other.starts[entry] + other.lengths[entry], other.hashes[entry], other.counts[entry])
        }
        return this
    }

    /** The occurrences of [word], 0 when it never occurred. */
    operator fun get(word: String): Long {
        val bytes = word.toByteArray(Charsets.UTF_8)
        val hash = hashOf(bytes, 0, bytes.size)
        val mask = slots.size - 1
        var slot = mix(hash) and mask
        while (true) {
            val entry = slots[slot] - 1
            if (entry < 0) return 0
            if (hashes[entry] == hash && sameBytes(entry, bytes, 0, bytes.size)) return counts[entry]
            slot = (slot + 1) and mask
        }
    }

    /** Every word with its occurrences, in no particular order. */
    fun toMap(): Map<String, Long> = HashMap<String, Long>(size * 2).also { map ->
        for (entry in 0 until size) map[word(entry)] = counts[entry]
    }

    /**
     * The [n] most frequent words, most frequent first; ties in byte order of the word, so that the
     * answer does not depend on how the file was split.
     */
    fun top(n: Int): List<Pair<String, Long>> {
        require(n >= 0) { "n < 0: $n" }
        val order = (0 until size).sortedWith { a, b ->
            val byCount = counts[b].compareTo(counts[a])
            if (byCount != 0) byCount else compareBytes(a, b)
        }
        return order.take(n).map { word(it) to counts[it] }
    }

    private fun word(entry: Int) = String(arena, starts[entry], lengths[entry], Charsets.UTF_8)

    private fun insert(bytes: ByteArray, start: Int, end: Int, hash: Int, count: Long): Int {
        val entry = size++
        if (entry == hashes.size) {
            val capacity = hashes.size * 2
            hashes = hashes.copyOf(capacity)
            starts = starts.copyOf(capacity)
            lengths = lengths.copyOf(capacity)
            counts = counts.copyOf(capacity)
        }
        val length = end - start
        if (arenaSize + length > arena.size) arena = arena.copyOf(maxOf(arena.size * 2, arenaSize + length))
        System.arraycopy(bytes, start, arena, arenaSize, length)
        hashes[entry] = hash
        starts[entry] = arenaSize
        lengths[entry] = length
        counts[entry] = count
        arenaSize += length
        return entry
    }

    private fun rehash(capacity: Int) {
        val mask = capacity - 1
        val table = IntArray(capacity)
        for (entry in 0 until size) {
            var slot = mix(hashes[entry]) and mask
            while (table[slot] != 0) slot = (slot + 1) and mask
            table[slot] = entry + 1
        }
        slots = table
    }

    private fun sameBytes(entry: Int, bytes: ByteArray, start: Int, end: Int): Boolean {
        val length = end - start
        if (lengths[entry] != length) return false
        val at = starts[entry]
        for (i in 0 until length) if (arena[at + i] != bytes[start + i]) return false
        return true
    }

    private fun compareBytes(a: Int, b: Int): Int {
        val common = minOf(lengths[a], lengths[b])
        for (i in 0 until common) {
            val difference = (arena[starts[a] + i].toInt() and 0xff) - (arena[starts[b] + i].toInt() and 0xff)
            if (difference != 0) return difference
        }
        return lengths[a] - lengths[b]
    }

    companion object {
        /** The hash [add] expects: 31-based over the bytes, as the scanner computes it on the fly. */
        fun hashOf(bytes: ByteArray, start: Int, end: Int): Int {
            var hash = 0
            for (i in start until end) hash = 31 * hash + bytes[i]
            return hash
        }

        /** Spreads the 31-based hash over the table's low bits (Murmur3's finalizer). */
        private fun mix(hash: Int): Int {
            var h = hash
            h = h xor (h ushr 16)
            h *= -0x7a143595
            h = h xor (h ushr 13)
            h *= -0x3d4d51cb
            return h xor (h ushr 16)
        }

        private fun tableSizeFor(words: Int): Int = Integer.highestOneBit(maxOf(words, 8) * 4 - 1).coerceAtLeast(16)
    }
}
