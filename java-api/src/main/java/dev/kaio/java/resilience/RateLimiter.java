package dev.kaio.java.resilience;

import dev.kaio.interop.ResilienceInterop;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A token bucket that lets calls through at a steady rate with bursts, without parking a thread:
 * the Java face of Kaio's Kotlin {@code dev.kaio.resilience.RateLimiter}. (Resilience4j's Java
 * {@code RateLimiter} blocks the calling thread while it waits for a permission; this one does not.)
 *
 * <p><b>Policy.</b> The bucket holds at most {@link Builder#burst} tokens (default: the number of
 * permits), starts full and gains {@link Builder#permits} tokens per {@link Builder#period}
 * (default 10 per second). Each call takes one; {@link #acquire(int)} takes several at once.
 *
 * <p><b>Fairness.</b> Waiters are served first in, first out, whatever they ask for: a request for
 * many tokens at the head of the line is served as soon as that many have accrued, and smaller
 * requests behind it wait, so it is never starved. {@link #tryAcquire()} never takes a token while
 * someone waits.
 *
 * <p><b>Cancellation.</b> Cancelling a future returned by {@link #acquire()} or {@link #call} while
 * it waits removes the waiter at once; it keeps no token (the tokens of a multi-token request are
 * taken all at once when it is served, never one by one).
 *
 * <p><b>Misuse.</b> Asking for fewer than 1 token, or for more than the burst (the bucket could
 * never hold that many), throws {@link IllegalArgumentException} at once.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by interruption.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.builder().permits(10).period(Duration.ofSeconds(1)).burst(5).build();
 * List<CompletableFuture<String>> pages = urls.stream().map(u -> limiter.call(() -> fetch(u))).toList();
 * }</pre>
 */
public final class RateLimiter {
    private final dev.kaio.resilience.RateLimiter core;

    private RateLimiter(dev.kaio.resilience.RateLimiter core) {
        this.core = core;
    }

    /**
     * Starts the settings of a new rate limiter.
     *
     * @return a builder with the defaults: 10 permits per second, burst 10
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Takes one token, waiting (without blocking) until one is available and earlier waiters are
     * served.
     *
     * <p>Cancelling the returned future while it waits gives up the place in line; no token is taken.
     *
     * @return a future that completes with {@code null} once the token is taken
     */
    public CompletableFuture<Void> acquire() {
        return ResilienceInterop.acquireFromJava(core, 1);
    }

    /**
     * Takes {@code permits} tokens at once, waiting (without blocking) until that many are
     * available and earlier waiters are served; later callers wait behind this one.
     *
     * <p>Cancelling the returned future while it waits gives up the place in line; no token is taken.
     *
     * @param permits from 1 to the burst
     * @return a future that completes with {@code null} once the tokens are taken
     * @throws IllegalArgumentException at once if {@code permits} is below 1 or above the burst
     */
    public CompletableFuture<Void> acquire(int permits) {
        return ResilienceInterop.acquireFromJava(core, permits);
    }

    /**
     * Takes one token if one is available now and nobody waits. Never blocks. Inside a Kaio loop
     * it reads that loop's clock.
     *
     * @return true if a token was taken
     */
    public boolean tryAcquire() {
        return ResilienceInterop.tryAcquireFromJava(core, 1);
    }

    /**
     * Takes {@code permits} tokens if that many are available now and nobody waits. Never blocks.
     * Inside a Kaio loop it reads that loop's clock.
     *
     * @param permits from 1 to the burst
     * @return true if the tokens were taken (all of them), false if none was
     * @throws IllegalArgumentException if {@code permits} is below 1 or above the burst
     */
    public boolean tryAcquire(int permits) {
        return ResilienceInterop.tryAcquireFromJava(core, permits);
    }

    /**
     * Takes a token as {@link #acquire()} does, then calls {@code supplier}.
     *
     * <p>Cancelling the returned future while waiting for the token gives up the place in line;
     * once the call runs, it cancels the supplier's stage.
     *
     * @param supplier starts the call; must not return {@code null}
     * @param <T> the result type
     * @return a future of the call's result or failure
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return ResilienceInterop.callFromJava(core, supplier);
    }

    dev.kaio.resilience.RateLimiter core() {
        return core;
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /**
     * Settings of a {@link RateLimiter}. Values are checked by {@link #build()}, which throws
     * {@link IllegalArgumentException} with a message naming the bad setting and value.
     */
    public static final class Builder {
        private Integer permits;
        private Duration period;
        private Integer burst;

        private Builder() {
        }

        /**
         * Tokens gained per period.
         *
         * @param permits at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder permits(int permits) {
            this.permits = permits;
            return this;
        }

        /**
         * The period of {@link #permits}.
         *
         * @param period positive (checked by {@link #build()})
         * @return this builder
         */
        public Builder period(Duration period) {
            this.period = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Most tokens in the bucket, and its content at start.
         *
         * @param burst at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder burst(int burst) {
            this.burst = burst;
            return this;
        }

        /**
         * Checks the settings and creates the limiter.
         *
         * @return a new rate limiter, its bucket full
         * @throws IllegalArgumentException naming the setting, when one is invalid
         */
        public RateLimiter build() {
            return new RateLimiter(ResilienceInterop.buildRateLimiter(permits, period, burst));
        }
    }
}
