package app.loyalty.app

import android.app.Activity
import android.nfc.NfcAdapter
import android.util.Log
import android.view.WindowManager
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import app.loyalty.presentation.WindowState

/**
 * Applies the card screen's [WindowState] to the activity's window, as
 * Catima does: full brightness, screen kept on and FLAG_SECURE belong to
 * this window only, so they end when the card leaves the screen (the model
 * sends the plain state then) and with the window itself; the system
 * brightness is never touched.
 *
 * While the card is in front and the activity resumed, NFC reader mode is
 * on, which keeps the phone from answering a payment terminal: holding the
 * screen to a till's scanner must not start a contactless payment. It is
 * off again when the card leaves or the activity pauses (some devices'
 * NFC stacks misbehave if reader mode outlives the pause).
 */
class CardWindow(
    private val activity: Activity,
) : DefaultLifecycleObserver {
    private var state = WindowState()
    private var resumed = false
    private var readerMode = false

    /** The card screen's latest decision (main thread). */
    fun apply(window: WindowState) {
        state = window
        val w = activity.window
        val attributes = w.attributes
        attributes.screenBrightness =
            if (window.fullBrightness) {
                WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL
            } else {
                WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE
            }
        w.attributes = attributes
        flag(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON, window.keepScreenOn)
        flag(WindowManager.LayoutParams.FLAG_SECURE, window.secure)
        updateReaderMode()
    }

    override fun onResume(owner: LifecycleOwner) {
        resumed = true
        updateReaderMode()
    }

    override fun onPause(owner: LifecycleOwner) {
        resumed = false
        updateReaderMode()
    }

    private fun flag(
        flag: Int,
        on: Boolean,
    ) {
        if (on) activity.window.addFlags(flag) else activity.window.clearFlags(flag)
    }

    private fun updateReaderMode() {
        val want = resumed && (state.fullBrightness || state.keepScreenOn)
        if (want == readerMode) return
        val nfc = NfcAdapter.getDefaultAdapter(activity) ?: return
        try {
            if (want) {
                nfc.enableReaderMode(activity, { /* a tag or terminal seen while paused: ignored */ }, READER_FLAGS, null)
            } else {
                nfc.disableReaderMode(activity)
            }
            readerMode = want
        } catch (e: Exception) {
            // Some NFC stacks throw (DeadObjectException, IllegalStateException): the card still shows.
            Log.w(LogcatSink.TAG, "NFC reader mode could not be switched: ${e.javaClass.simpleName}")
        }
    }

    private companion object {
        const val READER_FLAGS =
            NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_NFC_F or
                NfcAdapter.FLAG_READER_NFC_V or NfcAdapter.FLAG_READER_NFC_BARCODE or
                NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
    }
}
