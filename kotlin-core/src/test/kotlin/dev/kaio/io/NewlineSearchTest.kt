package dev.kaio.io

import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * The word-at-a-time `\n` search against a plain byte loop: every alignment and length around a
 * word, the bytes a zero-byte test can be fooled by (a borrow from a `\n` into the byte above it,
 * `0x8A` and `0x0B` beside `0x0A`), and random arrays.
 */
internal class NewlineSearchTest {
    private fun plainIndexOfNewline(array: ByteArray, from: Int, to: Int): Int {
        for (i in from until to) if (array[i] == '\n'.code.toByte()) return i
        return -1
    }

    private fun check(array: ByteArray, from: Int, to: Int) =
        assertEquals(plainIndexOfNewline(array, from, to), indexOfNewline(array, from, to), "from $from to $to in ${array.toList()}")

    @Test
    fun findsTheFirstNewlineAtEveryPositionOfEverySlice() {
        for (size in 0..33) {
            for (newline in -1 until size) {
                val array = ByteArray(size) { 'a'.code.toByte() }
                if (newline >= 0) array[newline] = '\n'.code.toByte()
                for (from in 0..size) for (to in from..size) check(array, from, to)
            }
        }
    }

    @Test
    fun returnsTheFirstOfSeveralNewlinesInOneWord() {
        val array = "ab\ncd\nef\n\n".toByteArray()
        assertEquals(2, indexOfNewline(array, 0, array.size))
        assertEquals(5, indexOfNewline(array, 3, array.size))
        assertEquals(8, indexOfNewline(array, 6, array.size))
        assertEquals(-1, indexOfNewline(array, 0, 2))
    }

    @Test
    fun isNotFooledByBytesNearTheNewline() {
        // 0x0B and 0x8A differ from '\n' by one bit; 0x0A followed by 0x01 and 0x00 makes the
        // subtraction borrow into the next byte; 0xFF and 0x80 set the high bits the test masks.
        val tricky = byteArrayOf(0x0B, 0x8A.toByte(), 0x09, 0x01, 0x00, 0xFF.toByte(), 0x80.toByte(), 0x7F, 0x0A, 0x0A)
        val random = Random(42)
        repeat(20_000) {
            val array = ByteArray(random.nextInt(0, 40)) { tricky[random.nextInt(tricky.size)] }
            val from = random.nextInt(0, array.size + 1)
            check(array, from, random.nextInt(from, array.size + 1))
        }
    }

    @Test
    fun findsTheNewlineInRandomBytes() {
        val random = Random(7)
        repeat(20_000) {
            val array = random.nextBytes(random.nextInt(0, 200))
            val from = random.nextInt(0, array.size + 1)
            check(array, from, random.nextInt(from, array.size + 1))
        }
    }
}
