package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TcpServerTest {
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
            // Refused, or reset if the connect raced with the listener's close on the I/O loop.
            assertThrows(IOException.class, () -> await(Streams.openConnection("127.0.0.1", server.port())));
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
