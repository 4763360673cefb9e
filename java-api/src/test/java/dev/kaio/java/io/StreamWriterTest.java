package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StreamWriterTest {
    @Test
    void writeDrainHalfCloseAndClose() throws Exception {
        CompletableFuture<Integer> count = new CompletableFuture<>();
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> {
            int[] lines = {0};
            return r.forEachLine(line -> lines[0]++).thenRun(() -> {
                w.writeLine("got " + lines[0]);
                count.complete(lines[0]);
            });
        }))) {
            Connection c = await(Streams.openConnection("127.0.0.1", server.port()));
            StreamWriter writer = c.writer();
            writer.write("a\n".getBytes());
            writer.writeLine("b");
            await(writer.drain());
            assertEquals(0, writer.bufferedByteCount());
            writer.writeEof();
            assertEquals("got 2", await(c.reader().readLine()));
            assertEquals(2, await(count));
            assertFalse(writer.isClosing());
            assertThrows(IllegalStateException.class, () -> writer.writeLine("after eof"));
            writer.close();
            assertTrue(writer.isClosing());
            await(writer.waitClosed());
            assertNull(await(c.reader().readLine()));
        }
    }

    @Test
    void abortFailsDrainAndLimitsAreValidated() throws Exception {
        CompletableFuture<Void> never = new CompletableFuture<>();
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> never))) {
            StreamWriter writer = await(Streams.openConnection("127.0.0.1", server.port())).writer();
            assertThrows(IllegalArgumentException.class, () -> writer.setWriteBufferLimits(1, 2));
            writer.setWriteBufferLimits(0, 0);
            writer.abort();
            assertThrows(IOException.class, () -> await(writer.drain()));
            await(writer.waitClosed());
            server.abortClients();
        }
    }

    @Test
    void writingToAConnectionThePeerResetThrowsUncheckedIOExceptionAndDrainFailsWithIOException() throws Exception {
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> r.readLine().thenRun(w::abort)))) {
            Connection c = await(Streams.openConnection("127.0.0.1", server.port()));
            StreamWriter writer = c.writer();
            writer.writeLine("reset me");
            // The reset is learnt by a read (or a write); from then on writes and drain report it.
            try {
                await(c.reader().readLine());
            } catch (IOException reset) {
                // expected on most runs; an end of stream is fine too
            }
            Exception first = null;
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 100 && first == null; i++) {
                try {
                    writer.write(chunk);
                    await(writer.drain());
                } catch (UncheckedIOException | IOException e) {
                    first = e;
                }
            }
            assertTrue(first != null, "100 writes of 64 KiB to a reset connection all succeeded");
            UncheckedIOException thrown = assertThrows(UncheckedIOException.class, () -> writer.write(new byte[] {1}));
            assertInstanceOf(IOException.class, thrown.getCause());
            assertThrows(UncheckedIOException.class, () -> writer.writeLine("again"));
            assertThrows(IOException.class, () -> await(writer.drain()));
        }
    }
}
