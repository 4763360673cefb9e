package dev.kaio.java;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Bounded waits for the facade tests of this package: a hang fails the test instead of the build. */
final class FutureTesting {
    static final long LONG_DELAY_SECONDS = 10;

    private FutureTesting() {
    }

    /** {@code get} with a bound; a failure arrives wrapped in {@code ExecutionException}, as the JDK defines. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
    }

    /** The exception a future failed with, as {@code whenComplete} sees it; null on success. */
    static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        return future.handle((value, failure) -> failure).get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
    }
}
