package app.loyalty.app

import android.util.Log
import app.loyalty.core.LogLevel
import app.loyalty.core.LogRecord
import app.loyalty.core.LogSink

/**
 * The core's log lines to Logcat, under one tag, prefixed with the Rust
 * module that wrote them (`adb logcat -s Loyalty`). The core redacts card
 * numbers, secrets and tokens before a line leaves it; this sink adds
 * nothing of its own.
 */
object LogcatSink : LogSink {
    const val TAG = "Loyalty"

    override fun log(record: LogRecord) {
        Log.println(priority(record.level), TAG, record.target + ": " + record.text)
    }

    private fun priority(level: LogLevel): Int =
        when (level) {
            LogLevel.TRACE -> Log.VERBOSE
            LogLevel.DEBUG -> Log.DEBUG
            LogLevel.INFO -> Log.INFO
            LogLevel.WARN -> Log.WARN
            LogLevel.ERROR -> Log.ERROR
        }
}
