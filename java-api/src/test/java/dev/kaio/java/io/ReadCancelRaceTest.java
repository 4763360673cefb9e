package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A read whose future is cancelled from another thread just as its bytes arrive: either the
 * future completes with them (cancel returns false) or nothing is consumed and the next read gets
 * them. An echo server sends back each 7-byte line the test writes; the test starts a read, writes
 * the line, waits a random 0 to 150 microseconds (about one round trip) and cancels.
 */
class ReadCancelRaceTest {
    private static final int ROUNDS = 1_500;
    private static final byte[] NEWLINE = {'\n'};

    /** A read started by the test: the facade's own future (the one to cancel) and how to turn its result into text. */
    private record PendingRead<T>(CompletableFuture<T> future, Function<T, String> text) {
        String await() throws Exception {
            return text.apply(JavaIoTesting.await(future));
        }
    }

    /** Each read method, as a read of one line. */
    enum Method {
        READ_LINE(r -> new PendingRead<>(r.readLine(), line -> line + "\n")),
        READ_LINE_BYTES(r -> new PendingRead<>(r.readLineBytes(), ReadCancelRaceTest::text)),
        READ_UNTIL(r -> new PendingRead<>(r.readUntil(NEWLINE), ReadCancelRaceTest::text)),
        READ_EXACTLY(r -> new PendingRead<>(r.readExactly(7), ReadCancelRaceTest::text)),
        READ(r -> new PendingRead<>(r.read(7), ReadCancelRaceTest::text)),
        READ_INTO_SMALL_ARRAY(r -> {
            byte[] array = new byte[7];
            return new PendingRead<>(r.read(array, 0, 7), n -> text(Arrays.copyOf(array, n)));
        }),
        READ_INTO_LARGE_ARRAY(r -> { // straight from the socket into the array: nothing buffered
            byte[] array = new byte[64 * 1024];
            return new PendingRead<>(r.read(array, 0, array.length), n -> text(Arrays.copyOf(array, n)));
        }),
        READ_INTO_DIRECT_BUFFER(r -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            return new PendingRead<>(r.read(buffer), n -> {
                byte[] bytes = new byte[n];
                buffer.flip().get(bytes);
                return text(bytes);
            });
        });

        final Function<StreamReader, PendingRead<?>> start;

        Method(Function<StreamReader, PendingRead<?>> start) {
            this.start = start;
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void aReadCancelledAsItsBytesArriveLosesNothing(Method method) throws Exception {
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, JavaIoTesting::echo))) {
            Connection connection = await(Streams.openConnection("127.0.0.1", server.port()));
            StreamReader reader = connection.reader();
            Random random = new Random(method.ordinal());
            int cancelled = 0;
            for (int i = 0; i < ROUNDS; i++) {
                String line = String.format("%06d\n", i);
                PendingRead<?> read = method.start.apply(reader);
                connection.writer().write(line.getBytes(StandardCharsets.UTF_8));
                long until = System.nanoTime() + random.nextInt(150_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                if (read.future().cancel(false)) {
                    cancelled++;
                    read = method.start.apply(reader);
                }
                // A line eaten by a cancelled read would leave this one waiting for the next line.
                assertEquals(line, read.await(), "line " + i + " after " + cancelled + " cancelled reads");
            }
            assertTrue(cancelled > 0, "no read was cancelled");
            connection.writer().close();
            System.out.printf("%s: %d of %d reads cancelled%n", method, cancelled, ROUNDS);
        }
    }

    /**
     * {@code forEachLine} cancelled at a random moment while lines stream in: every line reaches
     * either the action or the reads that follow, once.
     */
    @org.junit.jupiter.api.Test
    void forEachLineCancelledMidStreamDropsNoLine() throws Exception {
        int lines = 2_000;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            text.append(String.format("%06d\n", i));
        }
        byte[] all = text.toString().getBytes(StandardCharsets.UTF_8);
        try (TcpServer server = await(TcpServer.start("127.0.0.1", 0, (r, w) -> {
            w.write(all);
            w.close();
            return null;
        }))) {
            Random random = new Random(7);
            for (int round = 0; round < 100; round++) {
                StreamReader reader = await(Streams.openConnection("127.0.0.1", server.port())).reader();
                java.util.Queue<String> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
                CompletableFuture<Void> each = reader.forEachLine(seen::add);
                long until = System.nanoTime() + random.nextInt(2_000_000);
                while (System.nanoTime() < until && !each.isDone()) {
                    Thread.onSpinWait();
                }
                each.cancel(false);
                for (String line = await(reader.readLine()); line != null; line = await(reader.readLine())) {
                    seen.add(line);
                }
                java.util.List<String> sorted = new java.util.ArrayList<>(seen);
                java.util.Collections.sort(sorted);
                assertEquals(lines, sorted.size(), "round " + round + ": lines dropped or repeated");
                for (int i = 0; i < lines; i++) {
                    assertEquals(String.format("%06d", i), sorted.get(i), "round " + round);
                }
            }
        }
    }
}
