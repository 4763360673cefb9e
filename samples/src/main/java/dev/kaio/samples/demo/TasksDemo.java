package dev.kaio.samples.demo;

import dev.kaio.java.EventLoop;
import dev.kaio.java.TaskGroup;
import dev.kaio.java.Tasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A tour of the task API from Java, in the spirit of the book's chapters 2 to 4: gather,
 * as-completed, a timeout and a task group, all on one {@link EventLoop} thread.
 */
public final class TasksDemo {
    private TasksDemo() {}

    private static long start = System.nanoTime();

    private static String elapsed() {
        return String.format("%4d ms", (System.nanoTime() - start) / 1_000_000);
    }

    /** A pretend download: waits without holding a thread, then returns the number of bytes. */
    private static CompletionStage<Integer> download(String name, int millis) {
        return Tasks.sleep(Duration.ofMillis(millis)).thenApply(ignored -> {
            System.out.printf("  [%s] downloaded %-8s (%d ms)%n", elapsed(), name, millis);
            return name.length() * 1_000;
        });
    }

    /** Real CPU work for the task group: counts the primes in [from, to). */
    private static long countPrimes(int from, int to) {
        return IntStream.range(Math.max(from, 2), to)
                .filter(n -> IntStream.rangeClosed(2, (int) Math.sqrt(n)).noneMatch(d -> n % d == 0))
                .count();
    }

    public static int run(String[] args) throws Exception {
        if (args.length > 0) {
            System.out.println("Usage: kaio-samples demo");
            System.out.println("A short tour of Kaio's task API (gather, as-completed, timeout, task group) from Java.");
            return args[0].equals("--help") || args[0].equals("-h") ? 0 : 2;
        }
        start = System.nanoTime();
        EventLoop.run(() -> gather()
                .thenCompose(ignored -> asCompleted())
                .thenCompose(ignored -> timeout())
                .thenCompose(ignored -> taskGroup()));
        System.out.printf("[%s] done%n", elapsed());
        return 0;
    }

    private static CompletionStage<Void> gather() {
        System.out.println("gather: three downloads at once (300, 200 and 100 ms)");
        List<Supplier<CompletionStage<Integer>>> downloads = List.of(
                () -> download("index", 300), () -> download("style", 200), () -> download("logo", 100));
        return Tasks.gather(downloads).thenAccept(sizes -> System.out.printf(
                "  [%s] results in argument order: %s, about 300 ms in all, not 600%n", elapsed(), sizes));
    }

    private static CompletionStage<Void> asCompleted() {
        System.out.println("as-completed: handle each result as soon as it arrives");
        List<CompletableFuture<String>> running = List.of(
                Tasks.spawn(() -> download("slow", 250).thenApply(size -> "slow")),
                Tasks.spawn(() -> download("fast", 50).thenApply(size -> "fast")));
        List<CompletableFuture<String>> inFinishingOrder = Tasks.asCompleted(running, Duration.ofSeconds(5));
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < inFinishingOrder.size(); i++) {
            int place = i + 1;
            chain = chain.thenCompose(ignored -> inFinishingOrder.get(place - 1))
                    .thenAccept(name -> System.out.printf("  [%s] finisher #%d: %s%n", elapsed(), place, name));
        }
        return chain;
    }

    private static CompletionStage<Void> timeout() {
        System.out.println("timeout: a 1 s download with a 150 ms limit");
        return Tasks.timeout(Duration.ofMillis(150), () -> download("huge", 1_000))
                .handle((size, failure) -> {
                    boolean timedOut = failure instanceof TimeoutException;
                    System.out.printf("  [%s] %s%n", elapsed(), timedOut
                            ? "gave up: " + failure.getClass().getSimpleName() + " (" + failure.getMessage() + "); the download was cancelled"
                            : "unexpected: " + (failure == null ? size : failure));
                    return null;
                });
    }

    private static CompletionStage<Void> taskGroup() {
        int limit = 400_000;
        int chunks = 4;
        System.out.printf(Locale.ROOT, "task group: count the primes below %,d in %d tasks%n", limit, chunks);
        return TaskGroup.run(group -> {
            List<CompletableFuture<Long>> counts = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                int from = i * limit / chunks;
                int to = (i + 1) * limit / chunks;
                counts.add(group.spawn("primes-" + i, () -> CompletableFuture.completedFuture(countPrimes(from, to))));
            }
            return Tasks.gatherFutures(counts);
        }).thenAccept(counts -> System.out.printf(Locale.ROOT, "  [%s] primes per chunk %s, %,d in all%n",
                elapsed(), counts, counts.stream().mapToLong(Long::longValue).sum()));
    }
}
