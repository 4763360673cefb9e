package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.java.Tasks;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpServerTest {
    /**
     * Asserts that connecting to {@code port} fails with an IOException once the I/O loop has
     * closed the listening socket, which {@code close()} leaves to the loop: a connect in the moment
     * before that may still land in the backlog, which is never served, so it is retried.
     */
    private static void assertRefusedSoon(int port) throws Exception {
        long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (System.nanoTime() > bound) throw new AssertionError("port " + port + " still accepts 30 s after close()");
            Connection connection;
            try {
                connection = await(Streams.openConnection("127.0.0.1", port));
            } catch (IOException refused) {
                return;
            }
            connection.writer().abort();
            await(Tasks.sleep(Duration.ofMillis(1)));
        }
    }

    @Test
    void startServeAndCloseWithClientsAttached() throws Exception {
        TcpServer server = await(TcpServer.start("127.0.0.1", 0, JavaIoTesting::echo));
        try {
            assertTrue(server.port() > 0);
            assertTrue(server.isServing());
            Connection c = await(Streams.openConnection("127.0.0.1", server.port()));
            c.writer().writeLine("ping");
            assertEquals("ping", await(c.reader().readLine()));
            assertEquals(1, server.connectionCount());

            server.close();
            assertFalse(server.isServing());
            assertRefusedSoon(server.port());
            c.writer().writeLine("still");
            assertEquals("still", await(c.reader().readLine()));

            server.closeClients();
            assertNull(await(c.reader().readLine()));
            await(server.waitClosed());
            assertEquals(0, server.connectionCount());
        } finally {
            server.close();
            server.abortClients();
        }
    }

    @Test
    void builderOptionsAndAHandlerThatThrows() throws Exception {
        TcpServer server = await(TcpServer.builder("127.0.0.1", 0).maxConnections(2).limit(8).backlog(16)
            .start((reader, writer) -> {
                throw new IllegalStateException("handler failed");
            }));
        try {
            // The failure is logged and the connection aborted: the client sees the end or a reset
            // (possibly already while connecting).
            try {
                Connection c = await(Streams.openConnection("127.0.0.1", server.port()));
                assertNull(await(c.reader().readLine()));
            } catch (IOException reset) {
                // expected too
            }
            assertThrows(IllegalArgumentException.class,
                () -> await(TcpServer.builder("127.0.0.1", 0).maxConnections(0).start((r, w) -> null)));
        } finally {
            server.close();
        }
    }

    @Test
    void cancellingServeForeverClosesEverything() throws Exception {
        CompletableFuture<Void> handlerStage = new CompletableFuture<>();
        CompletableFuture<Void> entered = new CompletableFuture<>();
        TcpServer server = await(TcpServer.start("127.0.0.1", 0, (reader, writer) -> {
            entered.complete(null);
            return handlerStage;
        }));
        CompletableFuture<Void> serving = server.serveForever();
        await(Streams.openConnection("127.0.0.1", server.port()));
        await(entered);
        assertTrue(serving.cancel(true));
        await(server.waitClosed());
        assertTrue(handlerStage.isCancelled(), "the handler's stage is cancelled with the server");
        assertFalse(server.isServing());
    }
}
