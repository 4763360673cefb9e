package dev.kaio.samples.ngram

import java.io.BufferedInputStream
import java.io.FilterInputStream
import java.io.InputStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.zip.GZIPInputStream

/**
 * Cuts an n-gram file into [Block]s of at most [blockSize] bytes that end on a line boundary, one
 * at a time, so that a file of any size is read with a few blocks in memory. A line longer than a
 * block is skipped (read and dropped) and handed out as a [Block.tooLongLine] stand-in.
 *
 * The file may be plain or gzipped: gzip is recognised by its magic bytes, not by its name.
 * [bytesRead] counts the bytes taken from the file itself (compressed, for gzip), for a progress
 * bar against [fileSize]. [newBuffer] gives each block's buffer, of [blockSize] bytes, so that a
 * caller may hand back the buffers of blocks it is done with. Not thread-safe: one reader at a time.
 */
internal class BlockReader(
    file: Path,
    private val blockSize: Int,
    private val newBuffer: () -> ByteArray = { ByteArray(blockSize) },
) : AutoCloseable {
    private val counting = CountingInputStream(Files.newInputStream(file))
    private val input: InputStream = openMaybeGzipped(counting)
    private var carry = ByteArray(0)
    private var carryLength = 0
    private var ended = false

    /** The file's size on disk. */
    val fileSize: Long = Files.size(file)

    /** Bytes read from the file so far. */
    val bytesRead: Long get() = counting.count

    init {
        require(blockSize >= 2) { "blockSize < 2: $blockSize" }
    }

    /** The next block, or null at the end of the file. */
    fun next(): Block? {
        if (ended && carryLength == 0) return null
        val buffer = newBuffer()
        System.arraycopy(carry, 0, buffer, 0, carryLength)
        var filled = carryLength
        carryLength = 0
        while (filled < blockSize && !ended) {
            val read = input.read(buffer, filled, blockSize - filled)
            if (read < 0) ended = true else filled += read
        }
        if (filled == 0) return null
        if (ended) return Block(buffer, filled)
        val lastNewline = lastIndexOfNewline(buffer, filled)
        if (lastNewline < 0) {
            skipRestOfLine()
            return Block(buffer, 0, tooLongLine = true)
        }
        carryLength = filled - (lastNewline + 1)
        if (carry.size < carryLength) carry = ByteArray(blockSize)
        System.arraycopy(buffer, lastNewline + 1, carry, 0, carryLength)
        return Block(buffer, lastNewline + 1)
    }

    override fun close() = input.close()

    private fun skipRestOfLine() {
        while (true) {
            val byte = input.read()
            if (byte < 0) {
                ended = true
                return
            }
            if (byte == '\n'.code) return
        }
    }

    private fun lastIndexOfNewline(buffer: ByteArray, length: Int): Int {
        for (i in length - 1 downTo 0) if (buffer[i] == '\n'.code.toByte()) return i
        return -1
    }

    private class CountingInputStream(input: InputStream) : FilterInputStream(input) {
        @Volatile var count = 0L
            private set

        override fun read(): Int = super.read().also { if (it >= 0) count++ }

        override fun read(buffer: ByteArray, offset: Int, length: Int): Int =
            super.read(buffer, offset, length).also { if (it > 0) count += it }
    }

    private companion object {
        fun openMaybeGzipped(raw: InputStream): InputStream {
            val buffered = BufferedInputStream(raw, 1 shl 16)
            buffered.mark(2)
            val gzipped = buffered.read() == 0x1f && buffered.read() == 0x8b
            buffered.reset()
            return if (gzipped) BufferedInputStream(GZIPInputStream(buffered, 1 shl 16), 1 shl 16) else buffered
        }
    }
}
