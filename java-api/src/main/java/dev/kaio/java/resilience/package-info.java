/**
 * Retry, circuit breaker, rate limiter and bulkhead for {@code CompletionStage}-returning calls,
 * the Java face of Kaio's {@code dev.kaio.resilience}.
 *
 * <p>Every class here only adapts the Kotlin core: one behaviour, tested once against both
 * languages. No method blocks a thread: waiting (a backoff, a rate-limit token, a bulkhead slot)
 * is a suspended coroutine, and results arrive through {@link java.util.concurrent.CompletableFuture}s
 * that fail with the call's own exception, never a {@code CompletionException} around it.
 *
 * <p><b>Cancellation.</b> Cancelling a returned future cancels the call behind it: a backoff or a
 * wait in line ends at once, and the {@code CompletionStage} the supplier returned is cancelled.
 *
 * <p><b>Threads.</b> Inside {@code EventLoop.run} the work runs on the loop's thread; elsewhere on
 * Kaio's background dispatcher. Nothing depends on {@code ForkJoinPool.commonPool()}. The one
 * exception, for speed: outside a loop, {@code CircuitBreaker.call} and the first attempt of
 * {@code Retry.call} start no task; they call the supplier on the calling thread and complete the
 * returned future on the thread that completes its stage (at once when it is already complete),
 * as Resilience4j's {@code executeCompletionStage} does.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.builder().name("inventory").openDuration(Duration.ofSeconds(30)).build();
 * Retry retry = Retry.builder().maxAttempts(3).exponentialBackoff(Duration.ofMillis(100), 2.0).build();
 * ResiliencePipeline pipeline = ResiliencePipeline.builder()
 *     .circuitBreaker(breaker).retry(retry).timeout(Duration.ofSeconds(2)).build();
 * CompletableFuture<Stock> stock = pipeline.call(() -> inventory.stock(sku));
 * }</pre>
 */
package dev.kaio.java.resilience;
