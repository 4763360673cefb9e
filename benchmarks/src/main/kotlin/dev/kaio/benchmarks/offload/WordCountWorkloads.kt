package dev.kaio.benchmarks.offload

import dev.kaio.copyContext
import dev.kaio.mapReduce
import kotlin.random.Random
import dev.kaio.debug.SlowStepDetector
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

/**
 * MapReduce word counting, the book's chapter-6 workload: a generated text (words drawn from a
 * fixed vocabulary, seeded, so every run counts the same text) cut into chunks at line ends; map
 * counts the words of a chunk into a HashMap, reduce merges two maps.
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

    @JvmStatic
    fun countWords(chunk: String): HashMap<String, Int> {
        val counts = HashMap<String, Int>(40_000)
        var start = -1
        for (i in 0..chunk.length) {
            val letter = i < chunk.length && chunk[i] != ' ' && chunk[i] != '\n'
            if (letter && start < 0) start = i
            if (!letter && start >= 0) {
                counts.merge(chunk.substring(start, i), 1, Int::plus)
                start = -1
            }
        }
        return counts
    }

    @JvmStatic
    fun merge(into: HashMap<String, Int>, other: HashMap<String, Int>): HashMap<String, Int> {
        other.forEach { (word, count) -> into.merge(word, count, Int::plus) }
        return into
    }

    /** Kaio's mapReduce with [concurrency] map calls at once; returns the number of distinct words. */
    @JvmStatic
    fun kaioMapReduce(chunks: List<String>, concurrency: Int): Int = runBlocking {
        mapReduce(chunks, map = { countWords(it) }, reduce = ::merge, concurrency = concurrency).size
    }
}

/** The task benchmark of the foundation issue (spawn and gather N no-op tasks on one thread), with and without a [SlowStepDetector]. */
object SlowStepWorkloads {
    @JvmStatic
    fun gather(tasks: Int, detect: Boolean, contextVars: Boolean): Int =
        runBlocking((if (detect) SlowStepDetector() else EmptyCoroutineContext) + (if (contextVars) copyContext() else EmptyCoroutineContext)) {
            val blocks = List<suspend CoroutineScope.() -> Int>(tasks) { i -> { yield(); i } }
            dev.kaio.gather(blocks).size
        }
}
