package dev.kaio.java;

import static dev.kaio.java.FutureTesting.LONG_DELAY_SECONDS;
import static dev.kaio.java.FutureTesting.await;
import static dev.kaio.java.FutureTesting.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link Parallel} from Java source, on Kaio's CPU threads. */
class ParallelTest {
    @Test
    void cpuBoundCompletesWithTheResult() throws Exception {
        assertEquals(42, await(Parallel.cpuBound(() -> 6 * 7)));
    }

    @Test
    void mapKeepsInputOrderAndTheConcurrencyBound() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<Integer> items = IntStream.range(0, 1_000).boxed().collect(Collectors.toList());
        List<String> results = await(Parallel.map(items, 2, i -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            inFlight.decrementAndGet();
            return "#" + i;
        }));
        assertEquals(items.stream().map(i -> "#" + i).collect(Collectors.toList()), results);
        assertTrue(maxInFlight.get() <= 2, "max in flight " + maxInFlight.get());
    }

    @Test
    void theFirstFailureFailsTheFutureUnwrappedAndStartsNoMoreItems() throws Exception {
        IllegalStateException boom = new IllegalStateException("item 3");
        AtomicInteger started = new AtomicInteger();
        List<Integer> items = IntStream.range(0, 1_000).boxed().collect(Collectors.toList());
        CompletableFuture<List<Integer>> mapped = Parallel.map(items, 1, i -> {
            started.incrementAndGet();
            if (i == 3) throw boom;
            return i;
        });
        assertSame(boom, failureOf(mapped));
        assertEquals(4, started.get(), "one worker: items 0 to 3, then nothing");
    }

    @Test
    void cancellingTheFutureStartsNoMoreItems() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        CompletableFuture<List<Integer>> mapped = Parallel.map(List.of(1, 2, 3, 4), 1, i -> {
            started.incrementAndGet();
            firstStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return i;
        });
        assertTrue(firstStarted.await(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
        mapped.cancel(false);
        release.countDown();
        assertTrue(mapped.isCancelled());
        // the running call ends; no further item starts
        await(Parallel.cpuBound(() -> null));
        assertEquals(1, started.get());
    }

    @Test
    void mapReduceCountsWordsAndReportsProgress() throws Exception {
        List<String> chunks = new ArrayList<>();
        for (int n = 0; n < 40; n++) chunks.add("the cat the dog chunk" + n);
        List<Integer> progress = new ArrayList<>();
        Map<String, Integer> counts = await(Parallel.mapReduce(chunks,
                chunk -> {
                    Map<String, Integer> c = new HashMap<>();
                    for (String word : chunk.split(" ")) c.merge(word, 1, Integer::sum);
                    return c;
                },
                (a, b) -> {
                    Map<String, Integer> merged = new HashMap<>(a);
                    b.forEach((word, count) -> merged.merge(word, count, Integer::sum));
                    return merged;
                },
                progress::add));
        assertEquals(80, counts.get("the"));
        assertEquals(1, counts.get("chunk17"));
        assertEquals(IntStream.rangeClosed(1, 40).boxed().collect(Collectors.toList()), progress);
    }

    @Test
    void misuseFailsFast() {
        IllegalArgumentException noChunks = assertThrows(IllegalArgumentException.class,
                () -> Parallel.mapReduce(List.<String>of(), s -> s, (a, b) -> a, null));
        assertEquals("mapReduce needs at least one chunk, got none", noChunks.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Parallel.map(Arrays.asList(1, 2), 0, i -> i));
        assertEquals("concurrency < 1: 0", zero.getMessage());
    }
}
