package dev.kaio.samples.ngram

/**
 * One chunk of an n-gram file: [length] bytes of [data] that end with a whole line (or the end of
 * the file). [tooLongLine] marks the stand-in for a single line longer than a chunk, which the
 * reader skipped without holding it in memory; it counts as one malformed line.
 */
internal class Block(val data: ByteArray, val length: Int, val tooLongLine: Boolean = false)

/** A line that is not `word TAB year TAB match_count TAB volume_count`, by its 1-based number. */
internal data class Malformed(val line: Long, val text: String)

/** Receives each well-formed line: the word is `data[start until end]`, hashed as [WordCounts.hashOf]. */
internal fun interface LineSink {
    fun line(data: ByteArray, start: Int, end: Int, hash: Int, year: Int, matchCount: Long)
}

/**
 * The lines one chunk (or a run of merged chunks) held: how many, and the malformed ones, numbered
 * from the first line of the run. [append] puts a following run after this one, renumbering its
 * lines, which is what makes reports mergeable in `mapReduce`'s ordered reduction.
 */
internal class LineReport {
    var lines: Long = 0
        private set
    var malformedCount: Long = 0
        private set
    /** The first [KEPT] malformed lines; the rest are only counted. */
    val malformed: MutableList<Malformed> = ArrayList()

    fun countLine() {
        lines++
    }

    fun reportMalformed(text: String) {
        malformedCount++
        if (malformed.size < KEPT) malformed += Malformed(lines, text)
    }

    fun append(next: LineReport): LineReport {
        for (bad in next.malformed) if (malformed.size < KEPT) malformed += bad.copy(line = lines + bad.line)
        lines += next.lines
        malformedCount += next.malformedCount
        return this
    }

    companion object {
        const val KEPT: Int = 20
    }
}

private const val TAB: Byte = '\t'.code.toByte()
private const val NEWLINE: Byte = '\n'.code.toByte()
private const val RETURN: Byte = '\r'.code.toByte()
private const val ZERO: Byte = '0'.code.toByte()
private const val NINE: Byte = '9'.code.toByte()
private const val SHOWN_BYTES = 120

@Suppress("NOTHING_TO_INLINE")
private inline fun isDigit(byte: Byte): Boolean = byte >= ZERO && byte <= NINE

/**
 * Scans every line of [block] in the Google Books 1-gram format, `word TAB year TAB match_count
 * TAB volume_count` (a CRLF ending is accepted), handing each well-formed line to [sink] and
 * counting every line in [report]. A malformed line (missing or empty fields, a field that is not a
 * number, an empty line) is reported and skipped.
 *
 * Bytes, not strings: the word is hashed while it is scanned and numbers are parsed in place, so a
 * line costs no allocation.
 */
internal fun scanLines(block: Block, report: LineReport, sink: LineSink) {
    if (block.tooLongLine) {
        report.countLine()
        report.reportMalformed("(a line longer than ${block.data.size} bytes)")
        return
    }
    val data = block.data
    val length = block.length
    var position = 0
    while (position < length) {
        val lineStart = position
        report.countLine()
        // The word: everything up to the first tab, hashed on the way.
        var hash = 0
        while (position < length && data[position] != TAB && data[position] != NEWLINE) {
            hash = 31 * hash + data[position]
            position++
        }
        val wordEnd = position
        var wellFormed = wordEnd > lineStart && position < length && data[position] == TAB
        var year = 0
        var matchCount = 0L
        if (wellFormed) {
            // year TAB match_count TAB volume_count, each a run of digits.
            position++
            val yearStart = position
            while (position < length && isDigit(data[position]) && position - yearStart < 9) {
                year = year * 10 + (data[position] - ZERO)
                position++
            }
            wellFormed = position > yearStart && position < length && data[position] == TAB
            if (wellFormed) {
                position++
                val countStart = position
                while (position < length && isDigit(data[position]) && position - countStart < 18) {
                    matchCount = matchCount * 10 + (data[position] - ZERO)
                    position++
                }
                wellFormed = position > countStart && position < length && data[position] == TAB
            }
            if (wellFormed) {
                position++
                val volumeStart = position
                while (position < length && isDigit(data[position]) && position - volumeStart < 18) position++
                if (position < length && data[position] == RETURN) position++
                wellFormed = position > volumeStart && (position == length || data[position] == NEWLINE)
            }
        }
        if (wellFormed) {
            sink.line(data, lineStart, wordEnd, hash, year, matchCount)
            position++ // past the newline (or past the end)
        } else {
            var lineEnd = position
            while (lineEnd < length && data[lineEnd] != NEWLINE) lineEnd++
            val shownEnd = if (lineEnd > lineStart && data[lineEnd - 1] == RETURN) lineEnd - 1 else lineEnd
            val text = String(data, lineStart, minOf(shownEnd - lineStart, SHOWN_BYTES), Charsets.UTF_8)
            report.reportMalformed(if (shownEnd - lineStart > SHOWN_BYTES) "$text…" else text)
            position = lineEnd + 1
        }
    }
}
