package app.loyalty.app

import android.util.Log
import app.loyalty.core.LoyaltyException
import app.loyalty.core.PushOutcome
import app.loyalty.core.code
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * FCM data messages to the core: the data map as JSON to `ingestPush`,
 * which checks and stores the offer; a new one gets a notification. The
 * server sends data-only messages, so this runs in the background too (a
 * message with a `notification` block would be shown by the system instead
 * and never reach the core). Called on a background thread of FCM's.
 */
class PushService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        val data = message.data
        if (data.isEmpty()) return
        val client = (application as LoyaltyApplication).graph.client
        try {
            val outcome = client.ingestPush(PushPayload.json(data))
            // Duplicate, Expired, Ignored: already here, stored hidden, or a kind this app does not handle.
            if (outcome is PushOutcome.New) {
                client.inbox(false).firstOrNull { it.id == outcome.messageId }?.let { Notifications.show(this, it) }
            }
        } catch (e: LoyaltyException) {
            // invalid_push names the field; the payload itself is not logged.
            Log.w(LogcatSink.TAG, "push refused: ${e.code}")
        }
    }

    /**
     * This app instance is registered with FCM under `installationId` (its
     * Firebase installation id: firebase-messaging 26 addresses installations,
     * where older releases handed out tokens to onNewToken). The core has no
     * call to tell the loyalty server, so registering it is the backend's
     * part for now (docs/android-app.md, "Push"); it is not logged.
     */
    override fun onRegistered(installationId: String) {
        Log.i(LogcatSink.TAG, "registered with FCM")
    }
}
