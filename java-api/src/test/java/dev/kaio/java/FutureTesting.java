package dev.kaio.java;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Bounded waits for the facade tests: a hang fails the test instead of the build. */
public final class FutureTesting {
    public static final long LONG_DELAY_SECONDS = 10;

    private FutureTesting() {
    }

    /** {@code get} with a bound; a failure arrives wrapped in {@code ExecutionException}, as the JDK defines. */
    public static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
    }

    /** The exception a future failed with, as {@code whenComplete} sees it; null on success. */
    public static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        return future.handle((value, failure) -> failure).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
    }
}
