package app.loyalty.presentation

import app.loyalty.core.CardCodeFormat
import app.loyalty.core.CardNotice
import app.loyalty.core.CardView
import app.loyalty.core.ChangeArea
import app.loyalty.core.LoyaltyException
import app.loyalty.core.changes
import app.loyalty.core.code
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** The QR code's modules as the core computed them: row-major bits, MSB first, rows not byte-aligned. */
class QrImage(
    /** Modules per side, without the quiet zone. */
    val side: Int,
    /** Light modules to leave on every side. */
    val quietZone: Int,
    private val bits: ByteArray,
) {
    /** Modules per side with the quiet zone. */
    val fullSide: Int get() = side + 2 * quietZone

    /** Whether module (`x`, `y`) of the code (quiet zone excluded) is dark. */
    fun isDark(
        x: Int,
        y: Int,
    ): Boolean {
        val i = y * side + x
        return (bits[i / 8].toInt() shr (7 - i % 8)) and 1 == 1
    }

    /**
     * The largest whole number of pixels per module that fits `maxPx`
     * (quiet zone included): the code is never smoothed or scaled by a
     * fraction, as tills read crisp modules best. Zero when it does not fit.
     */
    fun pixelsPerModule(maxPx: Int): Int = maxPx / fullSide
}

/** A linear barcode for tills without a QR scanner: bar and space widths, bar first. */
data class BarsImage(
    val widths: List<Int>,
    val quietZone: Int,
    val text: String,
)

/** Which code the card screen shows. */
enum class CodeKind { QR, LINEAR }

/** What the window does while the card is in front: decided here, applied by the app. */
data class WindowState(
    /** Full screen brightness (tills read a bright screen best). */
    val fullBrightness: Boolean = false,
    /** Keep the screen on while the shopper waits at the till. */
    val keepScreenOn: Boolean = false,
    /** Keep the card out of screenshots, recordings and the recent-apps preview. */
    val secure: Boolean = false,
)

/** The card screen. */
sealed interface CardState {
    /** Before the first frame. */
    data object Loading : CardState

    /** No card enrolled yet. */
    data class NoCard(
        val message: String,
    ) : CardState

    /** The code, ready for the till. */
    data class Shown(
        val number: String,
        val numberDescription: String,
        val payload: String,
        val kind: CodeKind,
        val qr: QrImage?,
        val bars: BarsImage?,
        /** "Code changes in 21 seconds"; null for a static code. */
        val countdown: String?,
        /** What a screen reader says for the code. */
        val codeDescription: String,
        /** How long a till still takes this code; null for a static code. */
        val screenshotNote: String?,
        /** "Works at any till, even offline": the QR code is the device-signed LOY2 code. */
        val offlineNote: String?,
        /** Why a LOY2 card shows its LOY1 code instead (the till must be online); null otherwise. */
        val codeNotice: String?,
        val switchLabel: String,
        val canSwitch: Boolean,
        /** A non-blocking notice (a failed sync); the code still works. */
        val notice: String?,
        /** Set when the phone's clock is too far off for codes to pass. */
        val clockWarning: String?,
    ) : CardState

    /** Something failed; the message says what to do. */
    data class Failed(
        val message: String,
    ) : CardState
}

/**
 * The card screen's state holder. While started it refreshes the frame at
 * every whole second of the countdown and exactly when the code rotates
 * (aligned to `millisToRotation`, never polling faster); the core caches the
 * frame per step, so a refresh is a cheap read.
 */
class CardScreenModel(
    env: Env,
    private val sync: SyncCoordinator? = null,
) : ScreenModel<CardState>(CardState.Loading, env, setOf(ChangeArea.CARD)) {
    private var kind = CodeKind.QR
    private var lastView: CardView? = null
    private val windowFlow = MutableStateFlow(WindowState())

    /** Brightness, keep-awake and secure-window decisions. */
    val window: StateFlow<WindowState> = windowFlow.asStateFlow()

    /** The card is (not) in front of the shopper: brightness and keep-awake follow it. */
    fun onVisible(visible: Boolean) {
        windowFlow.value = WindowState(fullBrightness = visible, keepScreenOn = visible, secure = visible)
    }

    /** Switches between the QR code and the linear barcode. */
    suspend fun toggleCode() {
        kind = if (kind == CodeKind.QR) CodeKind.LINEAR else CodeKind.QR
        reload()
    }

    override suspend fun reload() {
        mutable.value =
            try {
                val view = env.call { cardView() }
                lastView = view
                shown(view)
            } catch (e: LoyaltyException) {
                lastView = null
                if (e.code == "no_card") CardState.NoCard(env.texts.noCard) else CardState.Failed(env.message(e))
            }
    }

    private suspend fun shown(view: CardView): CardState.Shown {
        val t = env.texts
        val f = env.format
        val bars =
            if (kind == CodeKind.LINEAR) {
                val b = env.call { cardBarcode() }
                BarsImage(b.widths.map { it.toInt() and 0xff }, b.quietZone.toInt(), b.text)
            } else {
                null
            }
        val secs = view.secondsToRotation
        val status = sync?.status?.value
        return CardState.Shown(
            number = view.displayNumber,
            numberDescription = t.cardNumberDescription(view.displayNumber),
            payload = if (kind == CodeKind.QR) view.payload else bars?.text ?: view.payload,
            kind = kind,
            qr = if (kind == CodeKind.QR && view.qrSide > 0u) QrImage(view.qrSide.toInt(), view.quietZone.toInt(), view.qrBits) else null,
            bars = bars,
            countdown = if (kind == CodeKind.QR) secs?.let { t.codeChangesIn(it, f.number(it)) } else null,
            codeDescription = t.cardCodeDescription(secs.takeIf { kind == CodeKind.QR }, secs?.let { f.number(it) }),
            screenshotNote = if (kind == CodeKind.QR) view.secondsUntilRefused?.let { t.screenshotNote(it, f.number(it)) } else null,
            offlineNote = t.worksOffline.takeIf { kind == CodeKind.QR && view.format == CardCodeFormat.LOY2 },
            codeNotice = if (kind == CodeKind.QR) view.notice?.let { codeNotice(it, t) } else null,
            switchLabel = if (kind == CodeKind.QR) t.showBarcode else t.showQr,
            canSwitch = true,
            notice = status?.notice?.takeIf { status.errorCode != "clock_skew" },
            clockWarning = if (status?.errorCode == "clock_skew") env.message(LoyaltyException.Failure("clock_skew", "")) else null,
        )
    }

    /**
     * Loads the card, then refreshes it on the countdown's second boundaries
     * until `scope` ends; also refreshes when the card changes or a sync ends.
     */
    override fun start(scope: CoroutineScope): Job =
        scope.launch {
            launch(start = CoroutineStart.UNDISPATCHED) { env.client.changes().collect { if (ChangeArea.CARD in it) reload() } }
            reload()
            sync?.let { coordinator -> launch { coordinator.status.collect { reload() } } }
            while (true) {
                val ms = lastView?.millisToRotation
                // A static code (or none) waits for a change instead of ticking.
                delay(if (ms == null) IDLE_MS else nextTick(ms))
                reload()
            }
        }

    companion object {
        /**
         * What the shopper reads when a LOY2 card falls back to its LOY1 code:
         * the device key failing this time, or any of the credential's states
         * (missing, not yet valid, expired, revoked, for another key), which
         * the next sync puts right. Either way the code on screen still pays
         * at a till that is online.
         */
        fun codeNotice(
            notice: CardNotice,
            t: Texts,
        ): String = if (notice == CardNotice.SIGNER_FAILED) t.offlineCodeFailed else t.offlineCodeUnavailable

        /** How often a static code is looked at again (in case a sync changed the program). */
        private const val IDLE_MS = 60_000L

        /** Milliseconds to the next whole second of the countdown (the rotation itself included). */
        fun nextTick(millisToRotation: Long): Long {
            val rest = millisToRotation % 1000
            return if (rest == 0L) 1000 else rest
        }
    }
}
