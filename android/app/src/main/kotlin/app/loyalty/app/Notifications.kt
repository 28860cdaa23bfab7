package app.loyalty.app

import android.Manifest
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import androidx.core.app.NotificationChannelCompat
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import app.loyalty.core.InboxMessage

/** The one notification channel (offers and messages) and the notification of a new message. */
object Notifications {
    private const val CHANNEL = "offers"

    /** Creates the channel (a no-op before Android 8, and when it exists: the user's settings stay). */
    fun createChannel(context: Context) {
        val channel =
            NotificationChannelCompat
                .Builder(CHANNEL, NotificationManagerCompat.IMPORTANCE_DEFAULT)
                .setName(context.getString(R.string.channel_offers))
                .setDescription(context.getString(R.string.channel_offers_description))
                .build()
        NotificationManagerCompat.from(context).createNotificationChannel(channel)
    }

    /** Whether a notification would show: the runtime permission (Android 13+) and the user's switch. */
    fun allowed(context: Context): Boolean =
        (
            Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
                ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED
        ) &&
            NotificationManagerCompat.from(context).areNotificationsEnabled()

    /**
     * Shows `message` (its title and body as the core stored them, cleaned of
     * control and invisible characters); a tap opens the inbox on it. One
     * notification per message id: a later copy replaces it.
     */
    fun show(
        context: Context,
        message: InboxMessage,
    ) {
        if (!allowed(context)) return
        val open =
            Intent(Intent.ACTION_VIEW, Uri.parse(DeepLinks.offer(message.id)), context, MainActivity::class.java)
                .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP)
        val tap =
            PendingIntent.getActivity(
                context,
                message.id.hashCode(),
                open,
                PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
            )
        val notification =
            NotificationCompat
                .Builder(context, CHANNEL)
                .setSmallIcon(R.drawable.ic_notification)
                .setContentTitle(message.title)
                .setContentText(message.body)
                .setStyle(NotificationCompat.BigTextStyle().bigText(message.body))
                .setContentIntent(tap)
                .setAutoCancel(true)
                .setCategory(NotificationCompat.CATEGORY_PROMO)
                .build()
        try {
            NotificationManagerCompat.from(context).notify(message.id, NOTIFICATION_ID, notification)
        } catch (e: SecurityException) {
            // The permission was revoked between the check and here: the message waits in the inbox.
        }
    }

    /** Removes the notification of message `id` (it was opened in the app). */
    fun cancel(
        context: Context,
        id: String,
    ) {
        NotificationManagerCompat.from(context).cancel(id, NOTIFICATION_ID)
    }

    private const val NOTIFICATION_ID = 1
}
