package dev.kaio.samples.fetch;

import dev.kaio.Outcome;
import dev.kaio.ReturnWhen;
import dev.kaio.WaitResult;
import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import dev.kaio.java.sync.AsyncSemaphore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code fetch} in Java: the JDK {@link HttpClient} through Kaio's Java facade
 * ({@link Tasks#gatherSettled}, {@link Tasks#asCompleted}, {@link Tasks#wait}) with an
 * {@link AsyncSemaphore} as the concurrency limit, all on one {@link EventLoop} thread.
 *
 * <p><b>Bounded.</b> Every request has the request timeout, its whole exchange body included (the
 * client's own timeout ends at the headers), so a slow URL ends as {@code timed out}, never hangs.
 * A body is counted as it arrives, never held, so a huge one costs no memory.
 *
 * <p><b>Cancellation.</b> Each task's future is the timeout's around the {@code sendAsync} future
 * (behind the semaphore), so cancelling a pending task cancels its exchange, not just a stage
 * derived from it; that is why the results are read from the completed futures and never mapped
 * with {@code thenApply} first. The time a body arrived is stamped by the body subscriber.
 */
public final class JdkFetch {
    private final FetchConfig config;
    private final FetchReport report;
    private final AsyncSemaphore permits;
    private final HttpClient client;

    private JdkFetch(FetchConfig config, FetchReport report) {
        this.config = config;
        this.report = report;
        this.permits = AsyncSemaphore.create(config.getLimit());
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.getRequestTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A body's size and the time it had arrived, stamped when its last byte came. */
    private record Body(long bytes, long atMillis) {}

    /**
     * Runs {@code config} on an event loop, printing to {@code report}; returns when every URL has
     * ended or been cancelled.
     *
     * @throws Exception what the event loop throws if the run itself fails (not a URL's failure,
     *     which is reported on its line)
     */
    public static void run(FetchConfig config, FetchReport report) throws Exception {
        JdkFetch fetch = new JdkFetch(config, report);
        try {
            EventLoop.run(() -> {
                report.header("Java, JDK HttpClient");
                CompletionStage<Void> mode = switch (config.getMode()) {
                    case GATHER -> fetch.gather();
                    case AS_COMPLETED -> fetch.asCompleted();
                    case WAIT -> fetch.waitWithTimeout();
                };
                return mode.thenRun(report::summary);
            });
        } finally {
            fetch.close();
        }
    }

    /** The request for {@code url}, behind the semaphore, bounded by the request timeout as a whole. */
    private CompletableFuture<HttpResponse<Body>> fetch(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(config.getRequestTimeout()).GET().build();
        BodyHandler<Body> counted = info -> {
            AtomicLong size = new AtomicLong();
            return BodySubscribers.mapping(
                    BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(bytes -> size.addAndGet(bytes.length))),
                    ignored -> new Body(size.get(), report.elapsedMillis()));
        };
        return permits.withPermit(() -> Tasks.timeout(config.getRequestTimeout(), () -> client.sendAsync(request, counted)));
    }

    /** All at once; a failing URL does not cancel the others; lines in argument order. */
    private CompletionStage<Void> gather() {
        List<Supplier<CompletionStage<HttpResponse<Body>>>> tasks = new ArrayList<>();
        for (String url : config.getUrls()) tasks.add(() -> fetch(url));
        return Tasks.<HttpResponse<Body>>gatherSettled(tasks).thenAccept(outcomes -> {
            for (int i = 0; i < outcomes.size(); i++) {
                Outcome<HttpResponse<Body>> outcome = outcomes.get(i);
                report.print(report.line(config.getUrls().get(i), answer(outcome.getOrNull()), outcome.exceptionOrNull()));
            }
        });
    }

    /** Each URL's line as it finishes; at the timeout, the URLs still running are cancelled. */
    private CompletionStage<Void> asCompleted() {
        List<CompletableFuture<HttpResponse<Body>>> tasks = spawnAll();
        // as_completed tells which result came next, not which task: each input completes with the
        // index of its task (never failing), so the line can name the URL.
        List<CompletableFuture<Integer>> indices = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            int index = i;
            indices.add(tasks.get(i).handle((response, failure) -> index));
        }
        Set<Integer> reported = new HashSet<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (CompletableFuture<Integer> next : Tasks.asCompleted(indices, config.getTimeout())) {
            chain = chain.thenCompose(ignored -> next).thenAccept(index -> {
                reported.add(index);
                report.completed(lineOf(tasks, index));
            });
        }
        return chain.handle((ignored, failure) -> {
            if (failure != null && !(unwrap(failure) instanceof TimeoutException)) throw new IllegalStateException(failure);
            // Not "not done": a task finishing after the deadline was not reported either.
            List<Integer> pending = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                if (!reported.contains(i)) pending.add(i);
            }
            cancelPending(tasks, pending);
            return null;
        });
    }

    /** Waits up to the timeout, then prints the finished URLs in argument order and cancels the rest. */
    private CompletionStage<Void> waitWithTimeout() {
        List<CompletableFuture<HttpResponse<Body>>> tasks = spawnAll();
        return Tasks.wait(tasks, ReturnWhen.ALL_COMPLETED, config.getTimeout()).thenAccept(result -> {
            report.print("finished: " + result.getDone().size() + " of " + tasks.size());
            List<Integer> pending = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                if (result.getDone().contains(tasks.get(i))) report.print(lineOf(tasks, i));
                if (result.getPending().contains(tasks.get(i))) pending.add(i);
            }
            cancelPending(tasks, pending);
        });
    }

    private List<CompletableFuture<HttpResponse<Body>>> spawnAll() {
        List<CompletableFuture<HttpResponse<Body>>> tasks = new ArrayList<>();
        for (String url : config.getUrls()) tasks.add(Tasks.spawn(url, () -> fetch(url)));
        return tasks;
    }

    /** Reports the tasks at {@code pending} as still running and cancels them (a no-op for any that finished meanwhile). */
    private void cancelPending(List<CompletableFuture<HttpResponse<Body>>> tasks, List<Integer> pending) {
        List<String> urls = new ArrayList<>();
        for (int index : pending) urls.add(config.getUrls().get(index));
        report.pending(urls);
        for (int index : pending) tasks.get(index).cancel(true);
    }

    /** The line of a task that has completed. */
    private String lineOf(List<CompletableFuture<HttpResponse<Body>>> tasks, int index) {
        CompletableFuture<HttpResponse<Body>> task = tasks.get(index);
        Throwable failure = task.handle((response, error) -> error).join();
        return report.line(config.getUrls().get(index), failure == null ? answer(task.getNow(null)) : null, failure);
    }

    private static FetchAnswer answer(HttpResponse<Body> response) {
        return response == null ? null : new FetchAnswer(response.statusCode(), response.body().bytes(), response.body().atMillis());
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * Stops the client's threads at once: {@code shutdownNow()} from JDK 21 on (called reflectively,
     * as the build targets 17); on 17 they end once the client is unreachable. Every request has
     * ended or been cancelled by now, so nothing is lost.
     */
    private void close() {
        try {
            HttpClient.class.getMethod("shutdownNow").invoke(client);
        } catch (ReflectiveOperationException notOnThisJdk) {
            // JDK 17-20: nothing to do
        }
    }
}
