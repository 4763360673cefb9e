package dev.kaio.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.java.io.Connection;
import dev.kaio.java.io.Streams;
import dev.kaio.java.io.TcpServer;
import dev.kaio.java.queue.AsyncQueue;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code Tasks.timeout} around a queue get and around a stream read, with the item or the line
 * arriving at a random moment around the deadline, so that the deadline and the hand-off race on
 * different threads. Nothing is ever lost: either the timeout completes with the value, or it
 * fails with a {@link TimeoutException} and the value is still there for the next call. (Before the
 * fix, a value handed over just as the deadline passed was dropped with the timeout's failure.)
 */
class TimeoutRaceTest {
    /*
     * The deadline is 1 ms (timers have millisecond granularity, as kotlinx's), and the value is
     * handed over between 0.5 and 2.5 ms after its thread starts: about a tenth of the rounds land
     * within 100 microseconds of the deadline, and both outcomes occur unless every timer fires more
     * than 1.5 ms late or every hand-off is that late.
     */
    private static final int ROUNDS = 2_000;
    private static final Duration DEADLINE = Duration.ofMillis(1);

    @Test
    void aQueueItemHandedAsTheDeadlinePassesIsNeverLost() throws Exception {
        Random random = new Random(3);
        int timedOut = 0;
        for (int round = 0; round < ROUNDS; round++) {
            AsyncQueue<Integer> queue = AsyncQueue.fifo();
            int item = round;
            putSoon(random, () -> queue.put(item));
            if (!awaitWithin(Tasks.timeout(DEADLINE, queue::get), item)) {
                timedOut++;
                assertEquals(item, queue.get().get(10, TimeUnit.SECONDS), "round " + round + ": the item was lost");
            }
        }
        assertTrue(timedOut > 0 && timedOut < ROUNDS, "both outcomes should occur: " + timedOut + " timeouts of " + ROUNDS);
    }

    @Test
    void aLineReadAsTheDeadlinePassesIsNeverLost() throws Exception {
        try (TcpServer server = TcpServer.start("127.0.0.1", 0, (reader, writer) -> echo(reader, writer)).get(10, TimeUnit.SECONDS)) {
            Connection connection = Streams.openConnection("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS);
            Random random = new Random(4);
            int timedOut = 0;
            for (int round = 0; round < ROUNDS / 5; round++) {
                String line = "line " + round;
                putSoon(random, () -> {
                    connection.writer().writeLine(line);
                    return null;
                });
                if (!awaitWithin(Tasks.timeout(DEADLINE, connection.reader()::readLine), line)) {
                    timedOut++;
                    assertEquals(line, connection.reader().readLine().get(10, TimeUnit.SECONDS), "round " + round + ": the line was lost");
                }
            }
            assertTrue(timedOut > 0 && timedOut < ROUNDS / 5, "both outcomes should occur: " + timedOut + " timeouts");
            connection.writer().close();
        }
    }

    /** Runs {@code put} on another thread after a random spin of 0.5 to 2.5 ms. */
    private static void putSoon(Random random, Supplier<?> put) {
        long spin = 500_000 + random.nextInt(2_000_000);
        CompletableFuture.runAsync(() -> {
            long until = System.nanoTime() + spin;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            put.get();
        });
    }

    /** True if {@code timeout} completed with {@code expected}, false if it timed out. */
    private static <T> boolean awaitWithin(CompletableFuture<T> timeout, T expected) throws Exception {
        try {
            assertEquals(expected, timeout.get(10, TimeUnit.SECONDS));
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                return false;
            }
            throw e;
        }
    }

    private static CompletionStage<Void> echo(dev.kaio.java.io.StreamReader reader, dev.kaio.java.io.StreamWriter writer) {
        return reader.readLine().thenCompose(line -> {
            if (line == null) {
                return CompletableFuture.completedFuture(null);
            }
            writer.writeLine(line);
            return writer.drain().thenCompose(ignored -> echo(reader, writer));
        });
    }
}
