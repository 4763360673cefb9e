@file:JvmName("IoInterop")

package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.LoopBinding
import dev.kaio.io.CompletedProcess
import dev.kaio.io.Connection
import dev.kaio.io.Server
import dev.kaio.io.Stdio
import dev.kaio.io.StreamReader
import dev.kaio.io.StreamWriter
import dev.kaio.io.Subprocess
import dev.kaio.io.openConnection
import dev.kaio.io.startProcess
import dev.kaio.io.startServer
import java.nio.ByteBuffer
import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.BiFunction
import java.util.function.Consumer
import java.util.function.Function
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ensureActive

/*
 * Non-suspend entry points of dev.kaio.io for the Java facade (dev.kaio.java.io). Each is one
 * `launchFuture { … }` around the suspend API, so cancellation, failures and the owning loop follow
 * FutureBridge's rules. `Void` futures complete with null. Three kinds add a rule of their own:
 *  - a single read is `launchClaimingFuture`: its future is settled by the read alone once the
 *    read consumes bytes (ResultClaim), so a cancel from another thread never loses input;
 *  - what opens a resource (a connection, a server, a process) is `launchOpening`, which closes a
 *    resource made just as its future was cancelled;
 *  - a server started on an EventLoop's thread runs its handlers on that loop (see startServer).
 */

@InternalKaioApi
public fun read(reader: StreamReader, max: Int): CompletableFuture<ByteArray> = launchClaimingFuture { reader.read(max) }

@InternalKaioApi
public fun readToEnd(reader: StreamReader): CompletableFuture<ByteArray> = launchClaimingFuture { reader.readToEnd() }

@InternalKaioApi
public fun readExactly(reader: StreamReader, count: Int): CompletableFuture<ByteArray> =
    launchClaimingFuture { reader.readExactly(count) }

@InternalKaioApi
public fun readLine(reader: StreamReader): CompletableFuture<String?> = launchClaimingFuture { reader.readLine() }

@InternalKaioApi
public fun readInto(reader: StreamReader, destination: ByteArray, offset: Int, length: Int): CompletableFuture<Int> =
    launchClaimingFuture { reader.read(destination, offset, length) }

@InternalKaioApi
public fun readIntoBuffer(reader: StreamReader, destination: ByteBuffer): CompletableFuture<Int> =
    launchClaimingFuture { reader.read(destination) }

@InternalKaioApi
public fun readLineBytes(reader: StreamReader): CompletableFuture<ByteArray?> = launchClaimingFuture { reader.readLineBytes() }

@InternalKaioApi
public fun readUntil(reader: StreamReader, separator: ByteArray): CompletableFuture<ByteArray> =
    launchClaimingFuture { reader.readUntil(separator) }

@InternalKaioApi
public fun forEachLine(reader: StreamReader, action: Consumer<String>): CompletableFuture<Void?> =
    launchFuture {
        // A loop rather than lines().collect: a flow checks for cancellation before each emission,
        // so a cancel landing just after a read would drop that line before the action saw it.
        // Checked before each read instead: a read line always reaches the action, and a read of
        // an already buffered line (which does not suspend) does not outlive a cancellation.
        while (true) {
            ensureActive()
            action.accept(reader.readLine() ?: break)
        }
        null
    }

@InternalKaioApi
public fun drain(writer: StreamWriter): CompletableFuture<Void?> = launchFuture {
    writer.drain()
    null
}

@InternalKaioApi
public fun waitClosed(writer: StreamWriter): CompletableFuture<Void?> = launchFuture {
    writer.waitClosed()
    null
}

/*
 * openConnection and startServer hand the facade its own wrapper ([wrap]) in the future itself: a
 * `thenApply` on the Java side would give a dependent future, which fails with a CompletionException
 * around the failure and whose cancellation never reaches the task. A connection or server made
 * just as the future was cancelled is closed ([launchOpening]), so a cancelled future leaves none.
 */

@InternalKaioApi
public fun <R> openConnection(
    host: String,
    port: Int,
    timeout: java.time.Duration?,
    limit: Int,
    wrap: Function<Connection, R>,
): CompletableFuture<R> {
    return launchOpening({ it.writer.abort() }, wrap) { openConnection(host, port, timeout?.toKotlinDuration(), limit) }
}

/**
 * [handler] runs on the I/O loop, or, for a server started inside an `EventLoop`, on the loop's
 * thread: there the facade's reads, writes and their continuations run on that one thread, as
 * DESIGN's single-thread option promises (each message then costs a hand-off from the I/O thread).
 * The stage it returns is awaited (and cancelled with the handler).
 */
@InternalKaioApi
public fun <R> startServer(
    host: String,
    port: Int,
    maxConnections: Int,
    limit: Int,
    backlog: Int,
    handler: BiFunction<StreamReader, StreamWriter, out CompletionStage<*>?>,
    wrap: Function<Server, R>,
): CompletableFuture<R> {
    val loopDispatcher = LoopBinding.onThisThread()?.scope?.coroutineContext?.get(ContinuationInterceptor)
    val handlerContext = loopDispatcher ?: EmptyCoroutineContext
    return launchOpening({ it.close(); it.abortClients() }, wrap) {
        startServer(host, port, maxConnections, limit, backlog, handlerContext) { reader, writer ->
            handler.apply(reader, writer)?.awaitOwned()
        }
    }
}

@InternalKaioApi
public fun waitClosed(server: Server): CompletableFuture<Void?> = launchFuture {
    server.waitClosed()
    null
}

@InternalKaioApi
public fun serveForever(server: Server): CompletableFuture<Void?> = launchFuture {
    server.serveForever()
    null
}

/**
 * [wrap] as for [openConnection]: the future fails with the start's own exception, and a process
 * started just as the future was cancelled is killed (a cancelled start leaves none running).
 */
@InternalKaioApi
public fun <R> exec(
    command: List<String>,
    workingDirectory: Path?,
    environment: Map<String, String>?,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    terminateGrace: java.time.Duration,
    limit: Int,
    wrap: Function<Subprocess, R>,
): CompletableFuture<R> {
    return launchOpening({ it.kill() }, wrap) {
        startProcess(command, workingDirectory, environment, stdin, stdout, stderr, terminateGrace.toKotlinDuration(), limit)
    }
}

/**
 * [open]s a resource as a task and completes the future with its [wrap]per; a resource opened just
 * as the future was cancelled is given to [close] instead, so a cancelled future leaves none open.
 */
private fun <T : Any, R> launchOpening(close: (T) -> Unit, wrap: Function<T, R>, open: suspend () -> T): CompletableFuture<R> {
    var opened: T? = null
    return launchUndoable({ opened?.let(close) }, inCallOrder = false) {
        val resource = open()
        opened = resource
        wrap.apply(resource)
    }
}

@InternalKaioApi
public fun shellCommand(commandLine: String): List<String> = Subprocess.shellCommand(commandLine)

/**
 * Started undispatched (`Dispatchers.Unconfined`) so that the task is already waiting when the
 * future is returned: cancelling the future at once still terminates the process tree.
 */
@InternalKaioApi
public fun waitFor(process: Subprocess): CompletableFuture<Int> = launchFuture(Dispatchers.Unconfined) { process.wait() }

@InternalKaioApi
public fun communicate(process: Subprocess, input: ByteArray?, timeout: java.time.Duration?): CompletableFuture<CompletedProcess> =
    launchFuture(Dispatchers.Unconfined) { process.communicate(input, timeout?.toKotlinDuration()) }

@InternalKaioApi
public fun run(
    command: List<String>,
    input: ByteArray?,
    timeout: java.time.Duration?,
    workingDirectory: Path?,
    environment: Map<String, String>?,
): CompletableFuture<CompletedProcess> =
    launchFuture { Subprocess.run(command, input, timeout?.toKotlinDuration(), workingDirectory, environment) }

@InternalKaioApi
public fun runAll(
    commands: List<List<String>>,
    concurrency: Int,
    timeout: java.time.Duration?,
): CompletableFuture<List<CompletedProcess>> =
    launchFuture { Subprocess.runAll(commands, concurrency, timeout?.toKotlinDuration()) }
