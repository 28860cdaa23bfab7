package app.loyalty.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.OnboardingState
import app.loyalty.presentation.Texts

/** Test tags of the settings screen. */
object SettingsTags {
    const val SIGN_OUT = "settings-sign-out"
    const val BACK = "settings-back"
}

/**
 * Settings: sign out (the last sync, then every trace of the member leaves
 * the phone; the app returns to onboarding). [state] is the onboarding
 * model's: while it is working the button says so and does nothing.
 */
@Composable
fun SettingsScreen(
    state: OnboardingState,
    texts: Texts,
    onSignOut: () -> Unit,
    onBack: () -> Unit,
    modifier: Modifier = Modifier,
) {
    val working = state as? OnboardingState.Working
    val error = (state as? OnboardingState.Welcome)?.error
    Column(
        modifier.fillMaxSize().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(texts.settings, style = MaterialTheme.typography.headlineSmall)
        OutlinedButton(
            onClick = { if (working == null) onSignOut() },
            modifier = Modifier.fillMaxWidth().testTag(SettingsTags.SIGN_OUT),
        ) { Text(working?.message ?: texts.signOut) }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        TextButton(onClick = onBack, modifier = Modifier.testTag(SettingsTags.BACK)) { Text(texts.tabCard) }
    }
}
