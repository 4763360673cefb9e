package dev.kaio.java.resilience;

import dev.kaio.interop.ResilienceInterop;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Limits how many calls run at once: the Java face of Kaio's Kotlin
 * {@code dev.kaio.resilience.Bulkhead}.
 *
 * <p><b>Policy.</b> At most {@link Builder#maxConcurrentCalls} calls run (default 10); up to
 * {@link Builder#maxWaitingCalls} more wait in line, first in, first out (default 0); beyond that
 * the returned future fails at once with {@code dev.kaio.resilience.BulkheadFullException}, a
 * {@link java.util.concurrent.RejectedExecutionException}, and the supplier is not called. With
 * {@link Builder#maxWaitTime}, a call that waited that long without a slot fails with it too (the
 * message says it timed out) and leaves the line.
 *
 * <p><b>Cancellation.</b> Cancelling the returned future while it waits leaves the line at once
 * and keeps no slot; while the call runs, it cancels the supplier's stage and frees the slot.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by interruption.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * Bulkhead bulkhead = Bulkhead.builder().maxConcurrentCalls(8).maxWaitingCalls(100).build();
 * CompletableFuture<Page> page = bulkhead.call(() -> products.page(n));
 * }</pre>
 */
public final class Bulkhead {
    private final dev.kaio.resilience.Bulkhead core;

    private Bulkhead(dev.kaio.resilience.Bulkhead core) {
        this.core = core;
    }

    /**
     * Starts the settings of a new bulkhead.
     *
     * @return a builder with the defaults: 10 concurrent calls, none waiting
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Calls {@code supplier} when a slot is free, waiting in line (without blocking) if needed.
     *
     * @param supplier starts the call; must not return {@code null}
     * @param <T> the result type
     * @return a future of the call's result or failure, or failed with {@code BulkheadFullException}
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return ResilienceInterop.callFromJava(core, supplier);
    }

    /**
     * Calls running now.
     *
     * @return the number of running calls
     */
    public int activeCalls() {
        return core.getActiveCalls();
    }

    /**
     * Calls waiting for a slot now.
     *
     * @return the number of waiting calls
     */
    public int waitingCalls() {
        return core.getWaitingCalls();
    }

    dev.kaio.resilience.Bulkhead core() {
        return core;
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /**
     * Settings of a {@link Bulkhead}. Values are checked by {@link #build()}, which throws
     * {@link IllegalArgumentException} with a message naming the bad setting and value.
     */
    public static final class Builder {
        private Integer maxConcurrentCalls;
        private Integer maxWaitingCalls;
        private Duration maxWaitTime;

        private Builder() {
        }

        /**
         * Calls that may run at once.
         *
         * @param calls at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxConcurrentCalls(int calls) {
            this.maxConcurrentCalls = calls;
            return this;
        }

        /**
         * Calls that may wait for a slot.
         *
         * @param calls at least 0 (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxWaitingCalls(int calls) {
            this.maxWaitingCalls = calls;
            return this;
        }

        /**
         * Longest time a call waits in line for a slot; a call still waiting then fails with
         * {@code BulkheadFullException}. Default: no limit. Inside a Kaio loop it runs on the loop's
         * clock (virtual time in tests).
         *
         * @param maxWaitTime not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxWaitTime(Duration maxWaitTime) {
            this.maxWaitTime = Objects.requireNonNull(maxWaitTime, "maxWaitTime");
            return this;
        }

        /**
         * Checks the settings and creates the bulkhead.
         *
         * @return a new bulkhead
         * @throws IllegalArgumentException naming the setting, when one is invalid
         */
        public Bulkhead build() {
            return new Bulkhead(ResilienceInterop.buildBulkhead(maxConcurrentCalls, maxWaitingCalls, maxWaitTime));
        }
    }
}
