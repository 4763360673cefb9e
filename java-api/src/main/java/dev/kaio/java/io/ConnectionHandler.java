package dev.kaio.java.io;

import java.util.concurrent.CompletionStage;

/**
 * What a {@link TcpServer} does with each connection.
 *
 * <p>Called on Kaio's I/O thread, or on the loop's thread for a server started inside an
 * {@code EventLoop} (see {@link TcpServer}): return quickly and do slow or blocking work
 * elsewhere. The connection stays open until the returned stage completes (null: until the method
 * returns), then is closed after its buffered bytes are sent. If the stage fails, the failure is logged and the
 * connection aborted. When the server aborts its clients, the stage is cancelled.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /**
     * Serves one connection.
     *
     * @param reader the connection's reading half
     * @param writer the connection's writing half
     * @return a stage that completes when the connection is done, or null
     * @throws Exception a failure, logged; the connection is aborted
     */
    CompletionStage<?> handle(StreamReader reader, StreamWriter writer) throws Exception;
}
