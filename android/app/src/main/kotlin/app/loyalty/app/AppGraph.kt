package app.loyalty.app

import android.content.Context
import app.loyalty.core.ClientConfig
import app.loyalty.core.LogLevel
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.presentation.Env
import app.loyalty.presentation.Format
import app.loyalty.presentation.Lang
import app.loyalty.ui.AppModels
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File
import java.time.ZoneId
import java.util.Locale

/**
 * What the process shares: the one [LoyaltyClient] (its wallet database and
 * secrets live in the app's no-backup folder, its LOY2 device key in the
 * Android Keystore) and the screen models, kept across activity
 * re-creations and rebuilt only when the language or time zone changes.
 */
class AppGraph(
    context: Context,
) {
    private val app = context.applicationContext

    /**
     * The device key that signs LOY2 codes: EC P-256 in the Keystore
     * (StrongBox when present), made at the first enrollment of a LOY2
     * program, deleted after a sign-out.
     */
    private val deviceKey = DeviceKeySigner(KeystoreDeviceKeys())

    /** The one client of the process. Opening it opens the wallet database. */
    val client: LoyaltyClient by lazy {
        val noBackup = app.noBackupFilesDir
        LoyaltyClient(
            ClientConfig(
                dataDir = File(noBackup, "wallet").apply { mkdirs() }.path,
                serverUrl = BuildConfig.LOYALTY_SERVER_URL.ifEmpty { null },
                deepLinkScheme = DeepLinks.SCHEME,
                secretStore = KeystoreSecretStore(File(noBackup, "secrets")),
                logSink = LogcatSink,
                logLevel = if (BuildConfig.DEBUG) LogLevel.DEBUG else LogLevel.INFO,
                deviceSigner = deviceKey,
            ),
        )
    }

    private var models: AppModels? = null
    private var modelsFor: Pair<Lang, ZoneId>? = null

    /** The screen models for the shopper's language and time zone (main thread only). */
    fun models(
        locale: Locale,
        zone: ZoneId,
    ): AppModels {
        val key = Lang.of(locale) to zone
        models?.takeIf { modelsFor == key }?.let { return it }
        val env = Env(client, Format(key.first, zone), Dispatchers.IO)
        return AppModels(env, afterSignOut = ::deleteDeviceKey).also {
            models = it
            modelsFor = key
        }
    }

    /**
     * After a sign-out: the next member gets a new device key. When the
     * Keystore refuses, the old key stays and is used again (the wallet is
     * gone all the same; only the key would link the two members).
     */
    private suspend fun deleteDeviceKey() {
        withContext(Dispatchers.IO) {
            try {
                deviceKey.delete()
            } catch (e: LoyaltyException) {
                // Nothing to tell the shopper: the sign-out itself succeeded.
            }
        }
    }
}
