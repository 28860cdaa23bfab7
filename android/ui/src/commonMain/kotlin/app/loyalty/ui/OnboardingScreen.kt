package app.loyalty.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.CornerRadius
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.OnboardingState

/** Test tags of onboarding. */
object OnboardingTags {
    const val ENROLL = "onboarding-enroll"
    const val DEMO = "onboarding-demo"
}

/** Onboarding: the welcome with "get my card" and "try the demo", the wait for the server, and its errors. */
@Composable
fun OnboardingScreen(
    state: OnboardingState,
    onEnroll: () -> Unit,
    onDemo: () -> Unit,
    modifier: Modifier = Modifier,
) {
    Surface(color = MaterialTheme.colorScheme.background, modifier = modifier.fillMaxSize()) {
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
            horizontalAlignment = Alignment.CenterHorizontally,
            verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        ) {
            when (state) {
                is OnboardingState.Welcome -> {
                    Welcome(state, onEnroll, onDemo)
                }

                is OnboardingState.Working -> {
                    CircularProgressIndicator()
                    Text(state.message, style = MaterialTheme.typography.bodyLarge, textAlign = TextAlign.Center)
                }

                is OnboardingState.Ready -> {
                    CardMark()
                    Text(state.message, style = MaterialTheme.typography.titleMedium, textAlign = TextAlign.Center)
                }
            }
        }
    }
}

@Composable
private fun Welcome(
    state: OnboardingState.Welcome,
    onEnroll: () -> Unit,
    onDemo: () -> Unit,
) {
    CardMark()
    Text(
        state.title,
        style = MaterialTheme.typography.headlineMedium,
        textAlign = TextAlign.Center,
        modifier = Modifier.semantics { heading() },
    )
    Text(
        state.body,
        style = MaterialTheme.typography.bodyLarge,
        color = MaterialTheme.colorScheme.onSurfaceVariant,
        textAlign = TextAlign.Center,
        modifier = Modifier.widthIn(max = 420.dp),
    )
    state.error?.let { NoticeBanner(it, Modifier.widthIn(max = 420.dp)) }
    Spacer(Modifier.height(8.dp))
    Button(onClick = onEnroll, modifier = Modifier.fillMaxWidth().widthIn(max = 420.dp).testTag(OnboardingTags.ENROLL)) {
        Text(state.enroll, textAlign = TextAlign.Center)
    }
    OutlinedButton(onClick = onDemo, modifier = Modifier.fillMaxWidth().widthIn(max = 420.dp).testTag(OnboardingTags.DEMO)) {
        Text(state.demo, textAlign = TextAlign.Center)
    }
}

/** A decorative loyalty card: a rounded card in the brand colour with a small code on it. */
@Composable
private fun CardMark() {
    val card = MaterialTheme.colorScheme.primary
    Canvas(Modifier.size(width = 160.dp, height = 100.dp)) {
        drawRoundRect(card, cornerRadius = CornerRadius(size.height * 0.14f))
        // A small QR-like mark: dark modules on a white square with a one-module margin.
        val cell = size.height * 0.07f
        val origin = Offset(size.width - cell * 11, size.height - cell * 11)
        drawRect(CodeColors.Paper, origin, Size(cell * 9, cell * 9))
        val pattern = listOf("1110101", "1010011", "1110110", "0001010", "1011101", "0110001", "1101011")
        pattern.forEachIndexed { y, row ->
            row.forEachIndexed { x, c ->
                if (c == '1') drawRect(CodeColors.Text, Offset(origin.x + (x + 1) * cell, origin.y + (y + 1) * cell), Size(cell, cell))
            }
        }
        drawRoundRect(
            Color.White.copy(alpha = 0.35f),
            topLeft = Offset(size.width * 0.08f, size.height * 0.2f),
            size = Size(size.width * 0.4f, size.height * 0.1f),
            cornerRadius = CornerRadius(size.height * 0.05f),
        )
    }
}
