package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StreamsTest {
    @Test
    void openConnectionGivesAConnectionWithBothHalves() throws Exception {
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, JavaIoTesting::echo))) {
            Connection c = await(Streams.openConnection("127.0.0.1", server.port(), Duration.ofSeconds(5)));
            assertNotNull(c.reader());
            assertNotNull(c.writer().peerAddress());
            c.writer().writeLine("x");
            assertEquals("x", await(c.reader().readLine()));
            c.writer().close();
            await(c.writer().waitClosed());
            server.abortClients();
        }
    }

    @Test
    void refusedConnectionFailsUnwrapped() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        assertThrows(ConnectException.class, () -> await(Streams.openConnection("127.0.0.1", closedPort)));
        assertThrows(IllegalArgumentException.class,
            () -> await(Streams.openConnection("127.0.0.1", 70000, null, Streams.DEFAULT_LIMIT)));
    }
}
