package dev.kaio.io

import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.nio.channels.SelectionKey
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals

/** The selector loop's own guarantees, on a real loopback socket. */
class SelectorLoopTest {
    @Test
    fun `a waiter that throws does not keep the other direction's waiter of the same ready key from running`() {
        ServerSocketChannel.open().bind(InetSocketAddress("127.0.0.1", 0)).use { server ->
            SocketChannel.open(server.localAddress).use { client ->
                server.accept().use { peer ->
                    peer.write(ByteBuffer.wrap(byteArrayOf(1))) // the client is now readable, and writable anyway
                    client.configureBlocking(false)
                    val loop = SelectorLoop.default
                    val socket = NioSocket(loop, client)
                    val readerRan = CompletableFuture<Unit>()
                    // Armed in one loop task, so that one select reports both directions of one key.
                    loop.execute {
                        socket.whenReady(SelectionKey.OP_WRITE) { throw IllegalStateException("a waiter that fails") }
                        socket.whenReady(SelectionKey.OP_READ) { readerRan.complete(Unit) }
                    }
                    assertEquals(Unit, readerRan.get(10, TimeUnit.SECONDS))
                    socket.close()
                }
            }
        }
    }
}
