package dev.kaio.debug

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.AfterTest
import kotlin.test.BeforeTest

/** A test that collects the "never retrieved" reports in [reports] instead of logging them. */
abstract class RecordsUnretrievedReports {
    protected val reports = CopyOnWriteArrayList<Pair<String, Throwable>>()
    protected val boom = IllegalStateException("boom")
    private lateinit var original: (String, Throwable) -> Unit

    @BeforeTest
    fun recordReports() {
        original = UnretrievedFailures.report
        UnretrievedFailures.report = { name, failure -> reports += name to failure }
    }

    @AfterTest
    fun restoreReports() {
        UnretrievedFailures.report = original
    }
}
