package dev.kaio.java.resilience;

import dev.kaio.interop.ResilienceInterop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs a call again when it fails, with a backoff between attempts, without blocking a thread:
 * the Java face of Kaio's Kotlin {@code dev.kaio.resilience.Retry}, with the same semantics.
 *
 * <p><b>Policies.</b> Attempts stop at {@link Builder#maxAttempts} (the first included; default 3)
 * and, with {@link Builder#maxDuration}, when the next attempt would start later than that after
 * the first. Backoff is fixed (default 100 ms) or exponential, optionally with jitter. With no
 * {@code retryOn} filter every {@link Exception} is retried (no {@link Error}); a result accepted by
 * a {@code retryOnResult} predicate is retried too, and when attempts run out the last result is
 * returned.
 *
 * <p><b>Failure.</b> When retrying stops, the returned future fails with the last failure itself
 * (not a {@code CompletionException}), with the earlier failures of the call as
 * {@link Throwable#getSuppressed()}. A timed-out attempt ({@link Builder#attemptTimeout}) fails
 * with {@code dev.kaio.DeadlineExceededException}, a {@link java.util.concurrent.TimeoutException}.
 *
 * <p><b>Cancellation.</b> Cancelling the returned future cancels the running attempt (its
 * {@code CompletionStage} is cancelled) or the backoff, at once; no further attempt starts. A
 * {@link java.util.concurrent.CancellationException} from an attempt is never retried.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by interruption.
 *
 * <p>A {@code Retry} keeps no state between calls and may be shared by any number of callers.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * Retry retry = Retry.builder()
 *     .maxAttempts(4)
 *     .exponentialBackoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1))
 *     .retryOn(IOException.class)
 *     .attemptTimeout(Duration.ofSeconds(2))
 *     .build();
 * CompletableFuture<String> page = retry.call(() -> http.sendAsync(request, ofString()).thenApply(HttpResponse::body));
 * }</pre>
 */
public final class Retry {
    private final dev.kaio.resilience.Retry core;

    private Retry(dev.kaio.resilience.Retry core) {
        this.core = core;
    }

    /**
     * Starts the settings of a new retry.
     *
     * @return a builder with the defaults: 3 attempts, 100 ms fixed backoff, every exception retried
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Calls {@code supplier} once per attempt and completes with the first successful result.
     *
     * <p>Returns at once; never blocks. A supplier that throws, or whose stage fails, makes that
     * attempt fail. Cancelling the returned future cancels the current attempt's stage or the backoff.
     *
     * <p>The first attempt runs on the calling thread. Outside a Kaio loop, when it succeeds the
     * future completes on the thread that completes its stage (at once for a completed stage);
     * retries and their backoffs run on Kaio's dispatcher. Inside a loop everything after the
     * first call of the supplier happens on the loop's thread.
     *
     * @param supplier starts one attempt; must not return {@code null}
     * @param <T> the result type
     * @return a future of the result, or failed with the last failure (earlier ones suppressed)
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return ResilienceInterop.retryCallFromJava(core, supplier);
    }

    dev.kaio.resilience.Retry core() {
        return core;
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /**
     * Settings of a {@link Retry}. Values are checked by {@link #build()}, which throws
     * {@link IllegalArgumentException} with a message naming the bad setting and value.
     */
    public static final class Builder {
        private boolean maxAttemptsSet;
        private Integer maxAttempts;
        private Duration maxDuration;
        private Duration attemptTimeout;
        private boolean exponential;
        private Duration initialDelay;
        private double factor = 1.0;
        private Duration maxDelay;
        private double jitter;
        private Random random;
        private final List<Class<? extends Throwable>> retryOn = new ArrayList<>();
        private final List<Predicate<? super Throwable>> retryOnException = new ArrayList<>();
        private final List<Predicate<Object>> retryOnResult = new ArrayList<>();

        private Builder() {
        }

        /**
         * Most attempts, the first included.
         *
         * @param maxAttempts at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttemptsSet = true;
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * No limit on attempts; {@link #maxDuration} must then be set.
         *
         * @return this builder
         */
        public Builder unlimitedAttempts() {
            this.maxAttemptsSet = true;
            this.maxAttempts = null;
            return this;
        }

        /**
         * No attempt starts later than {@code maxDuration} after the first one started.
         *
         * @param maxDuration not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxDuration(Duration maxDuration) {
            this.maxDuration = Objects.requireNonNull(maxDuration, "maxDuration");
            return this;
        }

        /**
         * Time limit of each attempt; an attempt over it fails with
         * {@code DeadlineExceededException} (a {@code TimeoutException}) and its stage is cancelled.
         *
         * @param attemptTimeout not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = Objects.requireNonNull(attemptTimeout, "attemptTimeout");
            return this;
        }

        /**
         * Waits {@code delay} before every retry.
         *
         * @param delay not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder fixedBackoff(Duration delay) {
            this.exponential = false;
            this.initialDelay = Objects.requireNonNull(delay, "delay");
            this.factor = 1.0;
            this.maxDelay = null;
            return this;
        }

        /**
         * Waits {@code initial} before the first retry and {@code factor} times longer before each
         * next one, with no maximum.
         *
         * @param initial not negative (checked by {@link #build()})
         * @param factor at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder exponentialBackoff(Duration initial, double factor) {
            this.exponential = true;
            this.initialDelay = Objects.requireNonNull(initial, "initial");
            this.factor = factor;
            this.maxDelay = null;
            return this;
        }

        /**
         * Like {@link #exponentialBackoff(Duration, double)}, each delay at most {@code maxDelay}.
         *
         * @param initial not negative (checked by {@link #build()})
         * @param factor at least 1 (checked by {@link #build()})
         * @param maxDelay not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder exponentialBackoff(Duration initial, double factor, Duration maxDelay) {
            exponentialBackoff(initial, factor);
            this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
            return this;
        }

        /**
         * Spreads each delay uniformly over {@code [delay * (1 - factor), delay * (1 + factor)]}.
         *
         * @param factor in 0..1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder jitter(double factor) {
            this.jitter = factor;
            return this;
        }

        /**
         * Like {@link #jitter(double)}, drawing from {@code random} (seed it in tests).
         *
         * @param factor in 0..1 (checked by {@link #build()})
         * @param random the source of randomness
         * @return this builder
         */
        public Builder jitter(double factor, Random random) {
            this.jitter = factor;
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Retries exceptions of {@code type} and its subclasses (in addition to other filters).
         *
         * @param type an exception class
         * @return this builder
         */
        public Builder retryOn(Class<? extends Throwable> type) {
            retryOn.add(Objects.requireNonNull(type, "type"));
            return this;
        }

        /**
         * Retries exceptions that {@code predicate} accepts (in addition to other filters).
         *
         * @param predicate called with each failure
         * @return this builder
         */
        public Builder retryOnException(Predicate<? super Throwable> predicate) {
            retryOnException.add(Objects.requireNonNull(predicate, "predicate"));
            return this;
        }

        /**
         * Retries results that {@code predicate} accepts; when attempts run out, the last result is
         * the call's result.
         *
         * @param predicate called with each result (possibly {@code null})
         * @return this builder
         */
        public Builder retryOnResult(Predicate<Object> predicate) {
            retryOnResult.add(Objects.requireNonNull(predicate, "predicate"));
            return this;
        }

        /**
         * Checks the settings and creates the retry.
         *
         * @return a new retry
         * @throws IllegalArgumentException naming the setting, when one is invalid (zero attempts,
         *     a negative duration, a factor below 1, jitter outside 0..1, no limit at all)
         */
        public Retry build() {
            return new Retry(ResilienceInterop.buildRetry(
                    maxAttemptsSet, maxAttempts, maxDuration, attemptTimeout, exponential, initialDelay, factor,
                    maxDelay, jitter, random, List.copyOf(retryOn), List.copyOf(retryOnException),
                    List.copyOf(retryOnResult)));
        }
    }
}
