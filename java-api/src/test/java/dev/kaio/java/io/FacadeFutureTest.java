package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.LONG_DELAY_SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.io.ExecutableNotFoundException;
import dev.kaio.java.EventLoop;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The futures of {@link Streams#openConnection}, {@link TcpServer.Builder#start} and
 * {@link Subprocess.Builder#start} keep the
 * facade's rules (DESIGN.md): they fail with the exception itself, and cancelling them cancels the
 * work behind them.
 */
class FacadeFutureTest {
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** What a callback sees: the failure as {@code whenComplete}/{@code handle} get it, not via get(). */
    private static Throwable failureSeenByCallbacks(CompletableFuture<?> future) throws Exception {
        return future.handle((value, failure) -> failure).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedOpenConnectionFailsWithTheConnectExceptionItself() throws Exception {
        Throwable failure = failureSeenByCallbacks(Streams.openConnection("127.0.0.1", closedPort()));
        assertInstanceOf(ConnectException.class, failure, "unwrapped, as DESIGN.md says");
    }

    @Test
    void aServerThatCannotBindFailsWithTheBindExceptionItself() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Throwable failure = failureSeenByCallbacks(
                TcpServer.start("127.0.0.1", taken.getLocalPort(), (reader, writer) -> null));
            assertInstanceOf(BindException.class, failure, "unwrapped, as DESIGN.md says");
        }
    }

    @Test
    void aMissingProgramFailsWithTheExecutableNotFoundExceptionItself() throws Exception {
        Throwable failure = failureSeenByCallbacks(Subprocess.exec("kaio-no-such-program").start());
        assertInstanceOf(ExecutableNotFoundException.class, failure, "unwrapped, as DESIGN.md says");
    }

    @Test
    void cancellingTheStartFutureLeavesNoServerListening() throws Exception {
        int port = closedPort();
        // On one loop thread the tasks behind the futures run in the order they were started, so the
        // second start runs once the first has done whatever it does.
        Throwable secondFailure = EventLoop.run(() -> {
            CompletableFuture<TcpServer> starting = TcpServer.start("127.0.0.1", port, (reader, writer) -> null);
            assertTrue(starting.cancel(true));
            assertThrows(CancellationException.class, starting::join);
            return TcpServer.start("127.0.0.1", port, (reader, writer) -> null).handle((server, failure) -> {
                if (server != null) {
                    server.close();
                }
                return failure;
            });
        });
        assertFalse(secondFailure instanceof BindException || secondFailure != null && secondFailure.getCause() instanceof BindException,
            "the cancelled start left a server listening on the port: " + secondFailure);
    }

    @Test
    void insideAnEventLoopAServerHandlerRunsAndReadsOnTheLoopThread() throws Exception {
        // DESIGN.md, single-thread option: inside an EventLoop, continuations of facade futures run on
        // the loop's thread, so Java code written in asyncio style (a chat server's shared map of
        // clients, mutated from every connection's callbacks) has no data races by construction.
        List<String> threads = EventLoop.run(() -> {
            String loopThread = threadName();
            CompletableFuture<String> calledOn = new CompletableFuture<>();
            CompletableFuture<String> readOn = new CompletableFuture<>();
            return TcpServer.start("127.0.0.1", 0, (reader, writer) -> {
                    calledOn.complete(threadName());
                    return reader.readLine().thenAccept(line -> readOn.complete(threadName()));
                })
                .thenCompose(server -> Streams.openConnection("127.0.0.1", server.port())
                    .thenCompose(client -> {
                        client.writer().writeLine("hi");
                        return readOn.whenComplete((name, failure) -> {
                            client.writer().close();
                            server.close();
                        });
                    }))
                .thenApply(name -> List.of(loopThread, calledOn.join(), name));
        });
        assertEquals(threads.get(0), threads.get(1), "the handler was called off the loop thread");
        assertEquals(threads.get(0), threads.get(2), "a server handler's read completed off the loop thread");
    }

    @Test
    void outsideAnEventLoopAServerHandlerIsCalledOnTheSelectorThread() throws Exception {
        CompletableFuture<String> calledOn = new CompletableFuture<>();
        try (TcpServer server = TcpServer.start("127.0.0.1", 0, (reader, writer) -> {
            calledOn.complete(threadName());
            return reader.readLine();
        }).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS)) {
            Connection client = Streams.openConnection("127.0.0.1", server.port()).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
            assertEquals("kaio-io", calledOn.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            client.writer().close();
            server.abortClients();
        }
    }

    /** This thread's name, without the coroutine name that kotlinx's debug mode appends to it. */
    private static String threadName() {
        String name = Thread.currentThread().getName();
        int coroutine = name.indexOf(" @");
        return coroutine < 0 ? name : name.substring(0, coroutine);
    }
}
