package dev.kaio.samples.ngram

import dev.kaio.mapReduce
import java.nio.file.Path
import java.util.TreeMap
import java.util.concurrent.ConcurrentLinkedQueue
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch

/*
 * Overview: the book's listing 6.8 (MapReduce over the Google Books n-grams), streamed. The file is
 * read in rounds of `2 × threads` blocks of about a megabyte; each round is one Kaio `mapReduce`:
 * every block is scanned into a partial result on its own core, and the partials are merged in
 * file order (which keeps line numbers right). The round's result is merged into the total and the
 * round's blocks become garbage. A reader coroutine fetches the next round while this one is
 * mapped, so at most three rounds are in memory whatever the file's size; what grows is only the
 * result itself (one entry per distinct word).
 */

/** How a scan reports its progress: bytes of the file read so far, of its size on disk. */
internal typealias ScanProgress = (bytesRead: Long, fileSize: Long) -> Unit

/** What `ngram count` found: occurrences per word, and the lines read. */
internal class WordTotals(val counts: WordCounts, val report: LineReport) {
    fun merge(next: WordTotals): WordTotals = also {
        counts.addAll(next.counts)
        report.append(next.report)
    }
}

/** What `ngram word` found: the word's occurrences by year, and the lines read. */
internal class YearTotals(val byYear: TreeMap<Int, Long>, val report: LineReport) {
    fun merge(next: YearTotals): YearTotals = also {
        next.byYear.forEach { (year, count) -> byYear.merge(year, count, Long::plus) }
        report.append(next.report)
    }
}

/**
 * The total occurrences of every word in [file] over all years (the fourth field, `volume_count`,
 * is ignored, as in the book), on [threads] cores.
 *
 * **Cancellation** stops reading at the next block and scanning at the next round; the file is
 * closed before this returns. **Failure**: an I/O error is rethrown as is.
 */
internal suspend fun countWords(
    file: Path,
    threads: Int = Runtime.getRuntime().availableProcessors(),
    blockSize: Int = DEFAULT_BLOCK_SIZE,
    progress: ScanProgress? = null,
): WordTotals = scanFile(file, threads, blockSize, progress, empty = { WordTotals(WordCounts(), LineReport()) }, WordTotals::merge) { block ->
    val counts = WordCounts(expectedWords = 8192)
    val report = LineReport()
    scanLines(block, report) { data, start, end, hash, _, matchCount -> counts.add(data, start, end, hash, matchCount) }
    WordTotals(counts, report)
}

/** [word]'s occurrences in [file] by year; years in which it does not occur are absent. As [countWords] otherwise. */
internal suspend fun countByYear(
    file: Path,
    word: String,
    threads: Int = Runtime.getRuntime().availableProcessors(),
    blockSize: Int = DEFAULT_BLOCK_SIZE,
    progress: ScanProgress? = null,
): YearTotals {
    val wanted = word.toByteArray(Charsets.UTF_8)
    val wantedHash = WordCounts.hashOf(wanted, 0, wanted.size)
    return scanFile(file, threads, blockSize, progress, empty = { YearTotals(TreeMap(), LineReport()) }, YearTotals::merge) { block ->
        val byYear = TreeMap<Int, Long>()
        val report = LineReport()
        scanLines(block, report) { data, start, end, hash, year, matchCount ->
            if (hash == wantedHash && end - start == wanted.size && (0 until wanted.size).all { data[start + it] == wanted[it] }) {
                byYear.merge(year, matchCount, Long::plus)
            }
        }
        YearTotals(byYear, report)
    }
}

internal const val DEFAULT_BLOCK_SIZE: Int = 1 shl 20

private class Round(val blocks: List<Block>, val bytesRead: Long, val fileSize: Long)

private suspend fun <R> scanFile(
    file: Path,
    threads: Int,
    blockSize: Int,
    progress: ScanProgress?,
    empty: () -> R,
    reduce: (R, R) -> R,
    map: (Block) -> R,
): R {
    require(threads >= 1) { "threads < 1: $threads" }
    val roundSize = 2 * threads
    return coroutineScope {
        // Opened here, so that a missing file fails the call at once; ATOMIC, so that the reader
        // coroutine runs (and closes the file) even when the caller is cancelled before it starts.
        // Buffers of scanned rounds are reused: a megabyte array per block would keep the
        // collector busy and, being large, cost more than the scan on some collectors.
        val spareBuffers = ConcurrentLinkedQueue<ByteArray>()
        val reader = BlockReader(file, blockSize) { spareBuffers.poll() ?: ByteArray(blockSize) }
        val rounds = Channel<Round>(capacity = 1)
        launch(Dispatchers.IO, start = CoroutineStart.ATOMIC) {
            reader.use {
                try {
                    while (true) {
                        val blocks = ArrayList<Block>(roundSize)
                        while (blocks.size < roundSize) blocks += reader.next() ?: break
                        if (blocks.isEmpty()) break
                        rounds.send(Round(blocks, reader.bytesRead, reader.fileSize))
                    }
                } finally {
                    rounds.close()
                }
            }
        }
        var total = empty()
        for (round in rounds) {
            total = reduce(total, mapReduce(round.blocks, { block -> map(block) }, reduce, concurrency = threads))
            for (block in round.blocks) spareBuffers += block.data
            progress?.invoke(round.bytesRead, round.fileSize)
        }
        total
    }
}
