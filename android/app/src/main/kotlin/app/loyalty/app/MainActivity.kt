package app.loyalty.app

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.core.content.ContextCompat
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.lifecycleScope
import app.loyalty.presentation.Root
import app.loyalty.ui.AppModels
import app.loyalty.ui.LoyaltyApp
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import java.time.ZoneId

/**
 * The one activity: the Compose root ([LoyaltyApp]: onboarding, then the
 * member's tabs), the card screen's window state ([CardWindow]), deep links
 * (`loyalty://offers/<id>`, from notifications) and, once a member is on
 * the phone, a sync and the notification permission (Android 13+).
 */
class MainActivity : ComponentActivity() {
    private lateinit var models: AppModels
    private val cardWindow = CardWindow(this)

    /** The message a link asked for; LoyaltyApp opens the inbox on it when it changes. Not saved: a rotation must not open it again. */
    private var openMessage by mutableStateOf<String?>(null)

    private val askNotifications =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { /* the inbox works either way */ }

    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        val graph = (application as LoyaltyApplication).graph
        // The shopper's language as Android resolved it (the per-app language on Android 13+).
        models = graph.models(resources.configuration.locales.get(0), ZoneId.systemDefault())
        lifecycle.addObserver(cardWindow)
        setContent {
            val lifecycleState by lifecycle.currentStateFlow.collectAsState()
            LoyaltyApp(
                models = models,
                onWindow = cardWindow::apply,
                visible = lifecycleState.isAtLeast(Lifecycle.State.STARTED),
                openMessage = openMessage,
            )
        }
        if (savedInstanceState == null) {
            openLink(intent)
            lifecycleScope.launch {
                models.onboarding.root.first { it == Root.MEMBER }
                onMember()
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        openLink(intent)
    }

    /**
     * A `loyalty://offers/<id>` link: the inbox opens on that message (which
     * marks it read) and its notification goes. Other links only bring the
     * app to the front.
     */
    private fun openLink(intent: Intent?) {
        if (intent?.action != Intent.ACTION_VIEW) return
        val id = intent.dataString?.let(DeepLinks::messageId) ?: return
        Notifications.cancel(this, id)
        openMessage = id
    }

    /** A member is on the phone (found at start, or just enrolled): sync now, and ask to notify offers. */
    private suspend fun onMember() {
        models.sync.sync()
        if (models.sync.status.value.errorCode in SyncWork.RETRY_CODES) SyncWork.syncWhenOnline(this)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            ContextCompat.checkSelfPermission(this, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            askNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }
}
