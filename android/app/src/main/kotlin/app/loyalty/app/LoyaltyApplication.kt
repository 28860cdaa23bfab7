package app.loyalty.app

import android.app.Application
import app.loyalty.core.LoyaltyTls

/**
 * The process: TLS for the core, the notification channel and the periodic
 * sync are set up here; the one [AppGraph] (one LoyaltyClient per process)
 * is made on first use, by whichever of the activity, the FCM service or
 * the sync worker comes first.
 */
class LoyaltyApplication : Application() {
    /** Everything the process shares. */
    val graph: AppGraph by lazy { AppGraph(this) }

    override fun onCreate() {
        super.onCreate()
        // Before the first sync or enrollment: the core checks certificates
        // with Android's trust manager, which needs the Context.
        LoyaltyTls.install(this)
        Notifications.createChannel(this)
        SyncWork.schedulePeriodic(this)
    }
}
