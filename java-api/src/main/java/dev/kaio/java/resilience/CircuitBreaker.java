package dev.kaio.java.resilience;

import dev.kaio.interop.ResilienceInterop;
import dev.kaio.resilience.CircuitBreakerSnapshot;
import dev.kaio.resilience.CircuitState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Stops calling a failing service for a while so that it can recover and callers fail fast: the
 * Java face of Kaio's Kotlin {@code dev.kaio.resilience.CircuitBreaker}, with the same semantics.
 *
 * <p><b>States.</b> {@link CircuitState#CLOSED}: calls run and their outcomes fill a sliding window
 * (count-based, default the last 100, or time-based); when it holds at least
 * {@link Builder#minimumCalls} outcomes and the failure rate reaches
 * {@link Builder#failureRateThreshold} percent, the breaker opens. {@link CircuitState#OPEN}: calls
 * fail at once with {@code dev.kaio.resilience.CircuitOpenException} (a
 * {@link java.util.concurrent.RejectedExecutionException}) that says when the breaker will try
 * again; the first call after {@link Builder#openDuration} moves it to
 * {@link CircuitState#HALF_OPEN}, where up to {@link Builder#halfOpenTrialCalls} trial calls run
 * and concurrent callers beyond them are rejected. One failed trial reopens the breaker; when all
 * trials succeed it closes.
 *
 * <p><b>Failures.</b> By default every exception counts as a failure; with {@code failOn} filters,
 * other exceptions count as successes. A call slower than {@link Builder#slowCallDuration} counts as
 * a failure even when it succeeds. The returned future fails with the call's own exception.
 *
 * <p><b>Cancellation.</b> Cancelling the returned future cancels the call's stage; a cancelled call
 * is neither a success nor a failure, and a cancelled trial call frees its slot.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by interruption.
 *
 * <p><b>Monitoring.</b> {@link #snapshot()} and {@link #addListener} give the state and counts.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.builder()
 *     .name("inventory").failureRateThreshold(50).countBasedWindow(20).minimumCalls(10)
 *     .openDuration(Duration.ofSeconds(30)).halfOpenTrialCalls(3).build();
 * CompletableFuture<Integer> stock = breaker.call(() -> inventory.stock(sku));
 * }</pre>
 */
public final class CircuitBreaker {
    private final dev.kaio.resilience.CircuitBreaker core;

    private CircuitBreaker(dev.kaio.resilience.CircuitBreaker core) {
        this.core = core;
    }

    /**
     * Starts the settings of a new breaker.
     *
     * @return a builder with the defaults: threshold 50 %, last 100 calls, minimum 10 calls,
     *     open 60 s, 1 trial call
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the stage {@code supplier} returns if the breaker lets the call through, and records
     * its outcome.
     *
     * <p>Returns at once; never blocks. When the breaker rejects the call, {@code supplier} is not
     * called and the future fails with {@code CircuitOpenException}. A supplier that throws makes
     * the call fail with that exception, recorded like a failed stage. Cancelling the returned
     * future cancels the stage and records nothing.
     *
     * <p>{@code supplier} is called on the calling thread. Outside a Kaio loop the outcome is
     * recorded, and the future completed, on the thread that completes the stage (at once for a
     * completed stage); inside a loop, on the loop's thread.
     *
     * @param supplier starts the call; must not return {@code null}
     * @param <T> the result type
     * @return a future of the call's result or failure
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return ResilienceInterop.breakerCallFromJava(core, supplier);
    }

    /**
     * The name given to the builder.
     *
     * @return the name
     */
    public String name() {
        return core.getName();
    }

    /**
     * The current state.
     *
     * @return the state now
     */
    public CircuitState state() {
        return core.getState();
    }

    /**
     * The state and counts after the last change.
     *
     * @return the latest snapshot
     */
    public CircuitBreakerSnapshot snapshot() {
        return core.getSnapshots().getValue();
    }

    /**
     * Calls {@code listener} with the new snapshot after every change, on the thread that made the
     * change. A listener must be quick; an exception it throws goes to the thread's
     * uncaught-exception handler and does not affect the call.
     *
     * @param listener receives snapshots
     * @return closing it removes the listener
     */
    public AutoCloseable addListener(Consumer<? super CircuitBreakerSnapshot> listener) {
        return ResilienceInterop.addListenerFromJava(core, Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Moves the breaker to {@link CircuitState#CLOSED} with an empty window, whatever its state
     * (also after {@link #forceOpen()}). The rejected-calls count keeps counting since creation;
     * outcomes of calls in flight are ignored. Never blocks; listeners see the change.
     */
    public void reset() {
        core.reset();
    }

    /**
     * Moves the breaker to {@link CircuitState#OPEN} until {@link #reset()}: every call fails at once
     * with {@code CircuitOpenException} (retry-after infinite) and no trial call is let through,
     * however long it stays open. Outcomes of calls in flight are ignored. Never blocks; listeners
     * see the change.
     */
    public void forceOpen() {
        core.forceOpen();
    }

    dev.kaio.resilience.CircuitBreaker core() {
        return core;
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /**
     * Settings of a {@link CircuitBreaker}. Values are checked by {@link #build()}, which throws
     * {@link IllegalArgumentException} with a message naming the bad setting and value.
     */
    public static final class Builder {
        private String name;
        private Double failureRateThreshold;
        private Integer minimumCalls;
        private Duration slowCallDuration;
        private Duration openDuration;
        private Integer halfOpenTrialCalls;
        private Integer countWindowSize;
        private Duration timeWindowLength;
        private Integer timeWindowBuckets;
        private final List<Class<? extends Throwable>> failOn = new ArrayList<>();
        private final List<Predicate<? super Throwable>> failOnException = new ArrayList<>();

        private Builder() {
        }

        /**
         * The name shown in messages.
         *
         * @param name any name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Failure rate, in percent, at or above which the breaker opens.
         *
         * @param percent more than 0, at most 100 (checked by {@link #build()})
         * @return this builder
         */
        public Builder failureRateThreshold(double percent) {
            this.failureRateThreshold = percent;
            return this;
        }

        /**
         * Outcomes the window must hold before the rate is judged.
         *
         * @param minimumCalls at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder minimumCalls(int minimumCalls) {
            this.minimumCalls = minimumCalls;
            return this;
        }

        /**
         * Calls slower than this count as failures.
         *
         * @param duration not negative (checked by {@link #build()})
         * @return this builder
         */
        public Builder slowCallDuration(Duration duration) {
            this.slowCallDuration = Objects.requireNonNull(duration, "duration");
            return this;
        }

        /**
         * How long the breaker stays open before it lets trial calls through.
         *
         * @param duration positive (checked by {@link #build()})
         * @return this builder
         */
        public Builder openDuration(Duration duration) {
            this.openDuration = Objects.requireNonNull(duration, "duration");
            return this;
        }

        /**
         * Trial calls let through in half-open.
         *
         * @param calls at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder halfOpenTrialCalls(int calls) {
            this.halfOpenTrialCalls = calls;
            return this;
        }

        /**
         * Judges the last {@code size} outcomes.
         *
         * @param size at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder countBasedWindow(int size) {
            this.countWindowSize = size;
            this.timeWindowLength = null;
            return this;
        }

        /**
         * Judges the outcomes of the last {@code length}, in 10 buckets.
         *
         * @param length positive (checked by {@link #build()})
         * @return this builder
         */
        public Builder timeBasedWindow(Duration length) {
            return timeBasedWindow(length, 10);
        }

        /**
         * Judges the outcomes of the last {@code length}, kept in {@code buckets} buckets: an
         * outcome leaves the window between {@code length - length / buckets} and {@code length}
         * after it was recorded.
         *
         * @param length positive (checked by {@link #build()})
         * @param buckets at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder timeBasedWindow(Duration length, int buckets) {
            this.timeWindowLength = Objects.requireNonNull(length, "length");
            this.timeWindowBuckets = buckets;
            this.countWindowSize = null;
            return this;
        }

        /**
         * Counts exceptions of {@code type} (and subclasses) as failures; once any filter is set,
         * other exceptions count as successes.
         *
         * @param type an exception class
         * @return this builder
         */
        public Builder failOn(Class<? extends Throwable> type) {
            failOn.add(Objects.requireNonNull(type, "type"));
            return this;
        }

        /**
         * Counts exceptions that {@code predicate} accepts as failures.
         *
         * @param predicate called with each exception
         * @return this builder
         */
        public Builder failOnException(Predicate<? super Throwable> predicate) {
            failOnException.add(Objects.requireNonNull(predicate, "predicate"));
            return this;
        }

        /**
         * Checks the settings and creates the breaker.
         *
         * @return a new breaker, closed
         * @throws IllegalArgumentException naming the setting, when one is invalid (threshold
         *     outside 0-100 %, a negative or zero duration, a size or count below 1)
         */
        public CircuitBreaker build() {
            return new CircuitBreaker(ResilienceInterop.buildCircuitBreaker(
                    name, failureRateThreshold, minimumCalls, slowCallDuration, openDuration, halfOpenTrialCalls,
                    countWindowSize, timeWindowLength, timeWindowBuckets, List.copyOf(failOn),
                    List.copyOf(failOnException)));
        }
    }
}
