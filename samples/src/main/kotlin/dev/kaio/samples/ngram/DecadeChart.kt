package dev.kaio.samples.ngram

import java.io.PrintStream
import java.util.SortedMap

/**
 * A word's occurrences by year, drawn as one bar per decade on a terminal:
 *
 * ```
 * 'kaba': 12,345 occurrences from 1800 to 2012
 * 1800s  ███▍                                       310
 * 1810s  ██████▊                                    622
 * ```
 *
 * Bars are scaled to the busiest decade, in eighths of a character cell, so that small
 * differences still show. Every decade between the first and the last year is drawn, empty
 * ones too, so gaps are visible.
 */
internal object DecadeChart {
    private const val WIDTH = 40
    private const val EIGHTHS = " ▏▎▍▌▋▊▉"

    fun draw(word: String, byYear: SortedMap<Int, Long>, out: PrintStream) {
        val total = byYear.values.sum()
        out.println("'$word': ${"%,d".format(total)} occurrences from ${byYear.firstKey()} to ${byYear.lastKey()}")
        val byDecade = sortedMapOf<Int, Long>()
        for (decade in byYear.firstKey() / 10..byYear.lastKey() / 10) byDecade[decade * 10] = 0L
        byYear.forEach { (year, count) -> byDecade.merge(year / 10 * 10, count, Long::plus) }
        val busiest = byDecade.values.max().coerceAtLeast(1)
        val numberWidth = "%,d".format(busiest).length
        byDecade.forEach { (decade, count) ->
            out.println("${decade}s  ${bar(count, busiest)}  ${"%,${numberWidth}d".format(count)}")
        }
    }

    /** [count] as a bar of at most [WIDTH] cells, of which the last may be a partial (eighth) block. */
    internal fun bar(count: Long, busiest: Long): String {
        val eighths = (count * WIDTH * 8 / busiest).toInt()
        val full = "█".repeat(eighths / 8)
        val partial = if (eighths % 8 == 0) "" else EIGHTHS[eighths % 8].toString()
        return (full + partial).padEnd(WIDTH)
    }
}
