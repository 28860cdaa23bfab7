package app.loyalty.presentation

import app.loyalty.core.ChangeArea
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.changes
import app.loyalty.core.code
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * What every screen-state holder shares: the one client of the process, the
 * shopper's language, the device's time zone, "now" for dates, and the
 * dispatcher blocking client calls run on (`Dispatchers.IO` in the app, the
 * test dispatcher in tests).
 */
class Env(
    val client: LoyaltyClient,
    val format: Format,
    val io: CoroutineDispatcher,
    /** Milliseconds since the epoch, for "this year" in dates; the client's clock in tests. */
    val nowMs: () -> Long = System::currentTimeMillis,
) {
    /** The words of the shopper's language. */
    val texts: Texts = Texts.of(format.lang)

    /** The shopper-facing message for a failure. */
    fun message(e: Throwable): String =
        ErrorTexts.message(
            (e as? LoyaltyException)?.code ?: "internal",
            format.lang,
        )

    /** Runs a blocking client call off the caller's thread. */
    suspend fun <T> call(block: LoyaltyClient.() -> T): T = withContext(io) { client.block() }
}

/** A screen-state holder: a [StateFlow] of its state, refreshed when its areas change. */
abstract class ScreenModel<S>(
    initial: S,
    protected val env: Env,
    private val areas: Set<ChangeArea>,
) {
    protected val mutable = MutableStateFlow(initial)

    /** What the screen draws. */
    val state: StateFlow<S> = mutable.asStateFlow()

    /** Reads the client and publishes a fresh state. */
    abstract suspend fun reload()

    /**
     * Loads once, then again whenever one of its areas changes (by the app,
     * a push or a sync), until `scope` ends.
     */
    open fun start(scope: CoroutineScope): Job =
        scope.launch {
            // Subscribed before the first read, so a change made in between is not lost.
            launch(start = CoroutineStart.UNDISPATCHED) {
                env.client
                    .changes()
                    .filter { changed -> changed.any { it in areas } }
                    .collect { reload() }
            }
            reload()
        }
}

/** Where the last sync stands: shown as a non-blocking notice, never in the card's way. */
data class SyncStatus(
    val running: Boolean = false,
    /** The error code of the last sync, when it failed. */
    val errorCode: String? = null,
    /** What to tell the shopper about it. */
    val notice: String? = null,
)

/** Runs syncs one at a time for every screen and keeps their outcome. */
class SyncCoordinator(
    private val env: Env,
) {
    private val mutable = MutableStateFlow(SyncStatus())

    /** The latest outcome. */
    val status: StateFlow<SyncStatus> = mutable.asStateFlow()

    /** Syncs now; a failure becomes a notice (the card keeps working offline). */
    suspend fun sync() {
        if (mutable.value.running) return
        mutable.value = mutable.value.copy(running = true)
        var outcome = mutable.value.copy(running = false)
        try {
            env.client.sync()
            outcome = SyncStatus()
        } catch (e: LoyaltyException) {
            val code = e.code
            outcome =
                SyncStatus(
                    errorCode = code,
                    notice = if (code == "network") env.texts.offlineNotice else env.message(e),
                )
        } finally {
            // Cancelled (the screen that asked went away) or failed: never left "running".
            mutable.value = outcome
        }
    }
}
