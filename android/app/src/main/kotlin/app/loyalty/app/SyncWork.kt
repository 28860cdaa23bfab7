package app.loyalty.app

import android.content.Context
import android.util.Log
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.loyalty.core.LoyaltyException
import app.loyalty.core.code
import java.util.concurrent.TimeUnit

/** Background sync with WorkManager: every 6 hours, and once more when a sync failed for want of a network. */
object SyncWork {
    private const val PERIODIC = "loyalty-sync-periodic"
    private const val ONCE = "loyalty-sync-once"

    /** Failures worth another try later; the others would fail the same way again. */
    val RETRY_CODES = setOf("network", "server")

    /** Nothing to sync: no member or no server yet (onboarding, demo mode), or signed out meanwhile. */
    val NOTHING_TO_DO = setOf("no_server", "no_card", "interrupted")

    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    /** The periodic sync; an existing schedule is kept (the app calls this at every start). */
    fun schedulePeriodic(context: Context) {
        val request =
            PeriodicWorkRequestBuilder<SyncWorker>(6, TimeUnit.HOURS, 1, TimeUnit.HOURS)
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build()
        WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /** One sync as soon as the network allows (after a start-up sync failed offline); one pending at a time. */
    fun syncWhenOnline(context: Context) {
        val request =
            OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
        WorkManager.getInstance(context).enqueueUniqueWork(ONCE, ExistingWorkPolicy.KEEP, request)
    }

    /** Tries of one failing sync before WorkManager gives up on it (the periodic one comes back anyway). */
    const val MAX_ATTEMPTS = 8
}

/** One sync of the process's client; WorkManager runs it off the main thread. */
class SyncWorker(
    context: Context,
    params: WorkerParameters,
) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val client = (applicationContext as LoyaltyApplication).graph.client
        return try {
            client.sync()
            Result.success()
        } catch (e: LoyaltyException) {
            val code = e.code
            Log.i(LogcatSink.TAG, "background sync failed: $code")
            when {
                code in SyncWork.NOTHING_TO_DO -> Result.success()
                code in SyncWork.RETRY_CODES && runAttemptCount < SyncWork.MAX_ATTEMPTS -> Result.retry()
                else -> Result.failure()
            }
        }
    }
}
