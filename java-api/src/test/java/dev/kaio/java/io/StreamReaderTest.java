package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.io.IncompleteReadException;
import dev.kaio.io.LimitOverrunException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StreamReaderTest {
    private static Connection connectTo(TcpServer server, int limit) throws Exception {
        return await(Streams.openConnection("127.0.0.1", server.port(), null, limit));
    }

    @Test
    void everyReadMethod() throws Exception {
        byte[] data = "one\ntwo||three\nabcdef".getBytes(StandardCharsets.UTF_8);
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> {
            w.write(data);
            return null;
        }))) {
            StreamReader reader = connectTo(server, 1024).reader();
            assertEquals(1024, reader.limit());
            assertEquals("one", await(reader.readLine()));
            assertArrayEquals("two||".getBytes(StandardCharsets.UTF_8), await(reader.readUntil("||".getBytes(StandardCharsets.UTF_8))));
            assertEquals("three", await(reader.readLine()));
            assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), await(reader.readExactly(2)));
            assertEquals(1, await(reader.read(1)).length);
            IncompleteReadException incomplete = assertThrows(IncompleteReadException.class, () -> await(reader.readExactly(9)));
            assertEquals("def", new String(incomplete.getPartial(), StandardCharsets.UTF_8));
            assertTrue(reader.atEof());
            assertNull(await(reader.readLine()));
            assertEquals(0, await(reader.readToEnd()).length);
        }
    }

    @Test
    void limitOverrunAndForEachLine() throws Exception {
        String longLine = "y".repeat(100);
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> {
            w.writeLine(longLine);
            w.writeLine("a");
            w.writeLine("b");
            return null;
        }))) {
            StreamReader reader = connectTo(server, 10).reader();
            assertThrows(LimitOverrunException.class, () -> await(reader.readLine()));
            List<String> lines = new ArrayList<>();
            await(reader.forEachLine(lines::add));
            assertEquals(List.of("a", "b"), lines);
        }
    }

    @Test
    void secondConcurrentReadFailsAndCancelledReadLosesNothing() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0,
            (r, w) -> release.thenRun(() -> w.writeLine("late"))))) {
            StreamReader reader = connectTo(server, 1024).reader();
            CompletableFuture<String> first = reader.readLine();
            // The first read is pending (nothing was sent): cancelling it consumes nothing.
            assertTrue(first.cancel(true));
            release.complete(null);
            assertEquals("late", await(reader.readLine()));
            assertThrows(IllegalArgumentException.class, () -> await(reader.read(-1)));
        }
    }

    @Test
    void byteLevelReadsAndWrites() throws Exception {
        // An echo written with the byte methods: lines go back unchanged, \r\n included.
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> echoLines(r, w)))) {
            Connection connection = connectTo(server, 16);
            StreamWriter writer = connection.writer();
            byte[] outgoing = "xxone\r\ntwo\nthree".getBytes(StandardCharsets.UTF_8);
            writer.write(outgoing, 2, outgoing.length - 2);
            writer.writeEof();
            StreamReader reader = connection.reader();
            assertArrayEquals("one\r\n".getBytes(StandardCharsets.UTF_8), await(reader.readLineBytes()));
            byte[] buffer = new byte[8];
            assertEquals(3, await(reader.read(buffer, 5, 3)));
            assertEquals("two", new String(buffer, 5, 3, StandardCharsets.UTF_8));
            assertArrayEquals("\n".getBytes(StandardCharsets.UTF_8), await(reader.readLineBytes()));
            assertArrayEquals("three".getBytes(StandardCharsets.UTF_8), await(reader.readLineBytes())); // no newline at the end
            assertEquals(-1, await(reader.read(buffer, 0, buffer.length)));
            assertNull(await(reader.readLineBytes()));
            assertEquals(0, await(reader.read(buffer, 0, 0)));
            assertThrows(IndexOutOfBoundsException.class, () -> await(reader.read(buffer, 6, 3)));
            assertThrows(IndexOutOfBoundsException.class, () -> writer.write(outgoing, -1, 2));
        }
    }

    @Test
    void byteBufferReadsAndWrites() throws Exception {
        // The echo again, fed and read with buffers: a direct one, and a slice of a heap one.
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> echoLines(r, w)))) {
            Connection connection = connectTo(server, 1024);
            StreamWriter writer = connection.writer();
            ByteBuffer direct = ByteBuffer.allocateDirect(16).put("one\n".getBytes(StandardCharsets.UTF_8)).flip();
            writer.write(direct);
            assertEquals(direct.limit(), direct.position(), "the buffer is consumed");
            writer.write(ByteBuffer.wrap("--two\n--".getBytes(StandardCharsets.UTF_8), 2, 4));
            writer.writeEof();
            StreamReader reader = connection.reader();
            ByteBuffer received = ByteBuffer.allocateDirect(64);
            while (await(reader.read(received)) >= 0) {
                assertTrue(received.hasRemaining());
            }
            byte[] bytes = new byte[received.flip().remaining()];
            received.get(bytes);
            assertEquals("one\ntwo\n", new String(bytes, StandardCharsets.UTF_8));
            assertEquals(0, await(reader.read(ByteBuffer.allocate(0))));
            assertThrows(ReadOnlyBufferException.class, () -> await(reader.read(ByteBuffer.allocate(4).asReadOnlyBuffer())));
            assertThrows(NullPointerException.class, () -> reader.read((ByteBuffer) null));
            writer.close();
            ByteBuffer late = ByteBuffer.wrap(new byte[] {1});
            assertThrows(IllegalStateException.class, () -> writer.write(late));
            assertEquals(0, late.position());
        }
    }

    @Test
    void tooLongByteLineIsSkippedAndACancelledByteReadLosesNothing() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> {
            w.writeLine("z".repeat(40));
            return release.thenRun(() -> w.writeLine("next"));
        }))) {
            StreamReader reader = connectTo(server, 10).reader();
            assertThrows(LimitOverrunException.class, () -> await(reader.readLineBytes()));
            CompletableFuture<Integer> pending = reader.read(new byte[4], 0, 4);
            assertTrue(pending.cancel(true));
            release.complete(null);
            assertArrayEquals("next\n".getBytes(StandardCharsets.UTF_8), await(reader.readLineBytes()));
        }
    }

    private static CompletableFuture<Void> echoLines(StreamReader reader, StreamWriter writer) {
        return reader.readLineBytes().thenCompose(line -> {
            if (line == null) return CompletableFuture.completedFuture(null);
            writer.write(line, 0, line.length);
            return writer.drain().thenCompose(ignored -> echoLines(reader, writer));
        });
    }
}
