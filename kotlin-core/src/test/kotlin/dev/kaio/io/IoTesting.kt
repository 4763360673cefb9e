package dev.kaio.io

/* Helpers shared by the stream tests on real sockets. */

/** Runs [block], then closes [server] and aborts its clients, also when [block] fails. */
internal suspend fun <T> closingAfter(server: Server, block: suspend () -> T): T = try {
    block()
} finally {
    server.close()
    server.abortClients()
    server.waitClosed()
}

/** A server that echoes each line as bytes, unchanged (`\r\n` included), with a drain after each. */
internal suspend fun startLineEchoServer(): Server = startServer("127.0.0.1", 0) { reader, writer ->
    while (true) {
        val line = reader.readLineBytes() ?: break
        writer.write(line)
        writer.drain()
    }
}
