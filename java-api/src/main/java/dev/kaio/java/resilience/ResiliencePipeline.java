package dev.kaio.java.resilience;

import dev.kaio.interop.ResilienceInterop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Several policies around one call, outermost first, the Java face of Kaio's Kotlin
 * {@code resilience { }} builder:
 * <pre>{@code
 * ResiliencePipeline pipeline = ResiliencePipeline.builder()
 *     .circuitBreaker(breaker)          // sees one call per retried operation
 *     .retry(retry)                     // retries what follows
 *     .timeout(Duration.ofSeconds(2))   // each attempt gets 2 s
 *     .build();
 * CompletableFuture<Product> product = pipeline.call(() -> client.product(id));
 * }</pre>
 * runs exactly {@code breaker.call(() -> retry.call(() -> timeout(2 s, supplier)))}.
 *
 * <p><b>Failure.</b> The future fails with the failure of the innermost stage that failed, itself
 * (a timeout stage fails with {@code DeadlineExceededException}, a
 * {@link java.util.concurrent.TimeoutException}; a rejecting stage with its
 * {@link java.util.concurrent.RejectedExecutionException}).
 *
 * <p><b>Cancellation.</b> Cancelling the returned future cancels whatever runs or waits at that
 * moment, and the supplier's stage; no stage counts it as a failure or retries it.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by interruption.
 */
public final class ResiliencePipeline {
    private final dev.kaio.resilience.ResiliencePolicy core;

    private ResiliencePipeline(dev.kaio.resilience.ResiliencePolicy core) {
        this.core = core;
    }

    /**
     * Starts an empty pipeline.
     *
     * @return a builder without stages
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the stage {@code supplier} returns through every stage of the pipeline.
     *
     * @param supplier starts one attempt of the call; must not return {@code null}
     * @param <T> the result type
     * @return a future of the result or of the failure
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return ResilienceInterop.callFromJava(core, supplier);
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /** The stages of a {@link ResiliencePipeline}, outermost first. */
    public static final class Builder {
        private final List<Object> stages = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a circuit breaker inside the stages added so far.
         *
         * @param breaker the breaker
         * @return this builder
         */
        public Builder circuitBreaker(CircuitBreaker breaker) {
            stages.add(breaker.core());
            return this;
        }

        /**
         * Adds a retry inside the stages added so far.
         *
         * @param retry the retry
         * @return this builder
         */
        public Builder retry(Retry retry) {
            stages.add(retry.core());
            return this;
        }

        /**
         * Adds a rate limiter inside the stages added so far.
         *
         * @param limiter the rate limiter
         * @return this builder
         */
        public Builder rateLimiter(RateLimiter limiter) {
            stages.add(limiter.core());
            return this;
        }

        /**
         * Adds a bulkhead inside the stages added so far.
         *
         * @param bulkhead the bulkhead
         * @return this builder
         */
        public Builder bulkhead(Bulkhead bulkhead) {
            stages.add(bulkhead.core());
            return this;
        }

        /**
         * Adds a timeout around the stages added after it: a call that takes longer fails with
         * {@code DeadlineExceededException} and its stage is cancelled.
         *
         * @param timeout not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            stages.add(Objects.requireNonNull(timeout, "timeout"));
            return this;
        }

        /**
         * Creates the pipeline.
         *
         * @return the pipeline
         * @throws IllegalArgumentException if a timeout is negative
         */
        public ResiliencePipeline build() {
            return new ResiliencePipeline(ResilienceInterop.buildPipeline(List.copyOf(stages)));
        }
    }
}
