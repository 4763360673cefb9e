package dev.kaio.samples.ngram

import dev.kaio.EventLoop
import dev.kaio.samples.cli.Options
import dev.kaio.samples.cli.Terminal
import dev.kaio.samples.cli.UsageException
import dev.kaio.samples.cli.runSample
import java.io.BufferedOutputStream
import java.io.OutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.zip.GZIPOutputStream
import kotlin.io.path.name

/**
 * `kaio-samples ngram`: the book's chapter 6 MapReduce over Google Books n-gram data.
 *
 * - `generate` writes a realistic 1-gram file of a chosen size ([NgramGenerator]); a name ending
 *   in `.gz` is gzipped.
 * - `count FILE` sums each word's occurrences over all years with Kaio's `mapReduce` on every core
 *   ([countWords]) and prints the top N.
 * - `word FILE WORD` prints that word's occurrences by year as a chart by decade ([countByYear]).
 *
 * Plain or gzipped input, streamed: memory does not grow with the file. Malformed lines are
 * reported on stderr with their line number and skipped. A progress bar is drawn on stderr when
 * run at a terminal; a one-line summary (lines, seconds, lines/s) is always printed on stderr, so
 * stdout holds only the answer.
 */
public object NgramSample {
    internal const val USAGE: String = """Usage: kaio-samples ngram generate [--size 200MB] [--seed 1] [--words 50000] [--out ngrams.tsv]
       kaio-samples ngram count FILE [--top 10] [--threads N]
       kaio-samples ngram word FILE WORD [--threads N]
MapReduce over Google Books 1-gram data (book ch. 6): lines of word TAB year TAB match_count TAB volume_count.
  generate        writes a made-up file with Zipf-distributed words and years 1800-2012
    --size S      how much to write: 500KB, 200MB, 2GB (powers of 1000; KiB, MiB, GiB for 1024), default 200MB
    --seed N      the same seed writes the same file (default 1)
    --words N     how many distinct words (default 50000)
    --out FILE    where to write it; a name ending in .gz is gzipped (default ngrams.tsv)
  count FILE      each word's occurrences over all years, on every core; prints the --top N (default 10)
  word FILE WORD  WORD's occurrences by year, drawn by decade
    --threads N   how many cores to use (default: all)
FILE may be plain or gzipped. Malformed lines are reported with their line number and skipped.
Exit status: 0 on success, 1 when the file cannot be read or written, 2 for a bad option."""

    /** The launcher's entry point; returns the exit code. */
    @JvmStatic
    public fun run(args: Array<String>): Int = main(args, System.out, System.err)

    internal fun main(args: Array<String>, out: PrintStream, err: PrintStream): Int = runSample("ngram", USAGE) {
        val command = args.firstOrNull() ?: throw UsageException("say generate, count or word")
        val rest = args.drop(1)
        when (command) {
            "generate" -> {
                val options = Options.parse(rest, setOf("size", "seed", "words", "out"), USAGE, out) ?: return@runSample 0
                generate(options, err)
            }
            "count", "word" -> {
                val wanted = if (command == "count") 1 else 2
                val options = Options.parse(rest, setOf("top", "threads"), USAGE, out, maxPositional = wanted) ?: return@runSample 0
                if (options.positional.size < wanted) throw UsageException(if (command == "count") "say which FILE" else "say FILE and WORD")
                val file = Path.of(options.positional[0])
                val threads = options.int("threads", Runtime.getRuntime().availableProcessors(), 1..1024)
                if (command == "count") count(file, options.int("top", 10, 0..1_000_000), threads, out, err)
                else word(file, options.positional[1], threads, out, err)
            }
            "--help", "-h" -> {
                out.println(USAGE)
                0
            }
            else -> throw UsageException("unknown command '$command': say generate, count or word")
        }
    }

    private fun generate(options: Options, err: PrintStream): Int {
        val size = parseSize(options.string("size", "200MB"))
        val seed = options.stringOrNull("seed")?.let { it.toLongOrNull() ?: throw UsageException("--seed expects a number: '$it'") } ?: 1L
        val words = options.int("words", 50_000, 1..10_000_000)
        val file = Path.of(options.string("out", "ngrams.tsv"))
        val started = System.nanoTime()
        val written = openForWriting(file).use { NgramGenerator(seed, words).write(it, size) }
        err.println(
            "wrote ${formatBytes(written.bytes)} (${"%,d".format(written.lines)} lines) to $file" +
                " in ${"%.2f".format((System.nanoTime() - started) / 1e9)} s",
        )
        return 0
    }

    private fun count(file: Path, top: Int, threads: Int, out: PrintStream, err: PrintStream): Int {
        val started = System.nanoTime()
        val totals = ProgressBar.on(err).use { bar -> EventLoop.run { countWords(file, threads, progress = bar?.let { it::show }) } }
        reportLines(totals.report, started, threads, err)
        val ranked = totals.counts.top(top)
        val width = ranked.maxOfOrNull { it.first.length } ?: 0
        ranked.forEachIndexed { index, (word, count) -> out.println("%4d  %-${width}s  %,d".format(index + 1, word, count)) }
        out.flush()
        return 0
    }

    private fun word(file: Path, word: String, threads: Int, out: PrintStream, err: PrintStream): Int {
        val started = System.nanoTime()
        val totals = ProgressBar.on(err).use { bar -> EventLoop.run { countByYear(file, word, threads, progress = bar?.let { it::show }) } }
        reportLines(totals.report, started, threads, err)
        if (totals.byYear.isEmpty()) out.println("'$word' does not occur in ${file.name}")
        else DecadeChart.draw(word, totals.byYear, out)
        out.flush()
        return 0
    }

    private fun reportLines(report: LineReport, started: Long, threads: Int, err: PrintStream) {
        for (bad in report.malformed) err.println("line ${bad.line}: malformed, skipped: ${bad.text}")
        val unshown = report.malformedCount - report.malformed.size
        if (unshown > 0) err.println("... and ${"%,d".format(unshown)} more malformed lines, skipped")
        val seconds = (System.nanoTime() - started) / 1e9
        err.println(
            "read ${"%,d".format(report.lines)} lines (${"%,d".format(report.malformedCount)} malformed) in ${"%.2f".format(seconds)} s:" +
                " ${"%.2f".format(report.lines / seconds / 1e6)} M lines/s on $threads thread${if (threads == 1) "" else "s"}",
        )
    }

    private fun openForWriting(file: Path): OutputStream {
        val raw = BufferedOutputStream(Files.newOutputStream(file), 1 shl 16)
        return if (file.name.endsWith(".gz")) GZIPOutputStream(raw, 1 shl 16) else raw
    }

    /** `500KB`, `200MB`, `2GB` (powers of 1000), `64KiB`, `1MiB`, `1GiB` (powers of 1024), or bytes. */
    internal fun parseSize(text: String): Long {
        val match = Regex("""(\d{1,12})\s*(B|KB|MB|GB|KiB|MiB|GiB)?""", RegexOption.IGNORE_CASE).matchEntire(text.trim())
            ?: throw UsageException("--size expects a size such as 500KB, 200MB or 1GiB: '$text'")
        val unit = when (match.groupValues[2].lowercase()) {
            "", "b" -> 1L
            "kb" -> 1_000L
            "mb" -> 1_000_000L
            "gb" -> 1_000_000_000L
            "kib" -> 1L shl 10
            "mib" -> 1L shl 20
            else -> 1L shl 30
        }
        val amount = match.groupValues[1].toLong()
        if (amount > MAX_SIZE / unit) throw UsageException("--size is more than 1 TB: '$text'")
        return amount * unit
    }

    private const val MAX_SIZE = 1_000_000_000_000L

    internal fun formatBytes(bytes: Long): String = when {
        bytes >= 1_000_000_000 -> "%.1f GB".format(bytes / 1e9)
        bytes >= 1_000_000 -> "%.1f MB".format(bytes / 1e6)
        bytes >= 1_000 -> "%.1f KB".format(bytes / 1e3)
        else -> "$bytes bytes"
    }
}

/**
 * A progress bar redrawn on one terminal line: `[#########-----------]  45%  90.0 MB of 200.0 MB`,
 * at most ten times a second, erased by [close]. [on] gives none when not at a terminal.
 */
internal class ProgressBar private constructor(private val err: PrintStream) : AutoCloseable {
    @Volatile private var lastDrawn = 0L

    fun show(done: Long, total: Long) {
        val now = System.nanoTime()
        if (now - lastDrawn < 100_000_000 && done < total) return
        lastDrawn = now
        val fraction = if (total <= 0) 1.0 else (done.toDouble() / total).coerceIn(0.0, 1.0)
        val filled = (fraction * WIDTH).toInt()
        err.print(
            "${Terminal.CLEAR_LINE}[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${"%3d".format((fraction * 100).toInt())}%  " +
                "${NgramSample.formatBytes(done)} of ${NgramSample.formatBytes(total)}",
        )
        err.flush()
    }

    override fun close() {
        err.print(Terminal.CLEAR_LINE)
        err.flush()
    }

    companion object {
        private const val WIDTH = 30

        fun on(err: PrintStream): ProgressBar? = if (Terminal.isInteractive) ProgressBar(err) else null
    }
}
