package app.loyalty.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.CardState
import app.loyalty.presentation.CodeKind
import app.loyalty.presentation.Texts

/** Test tags of the card screen (for UI tests and the render checks). */
object CardTags {
    const val CODE = "card-code"
    const val NUMBER = "card-number"
    const val SWITCH = "card-switch"
    const val OFFLINE_NOTE = "card-offline-note"
    const val CODE_NOTICE = "card-code-notice"
}

/** Padding inside the white card around the code; at least the corner radius, so the rounding never cuts the quiet zone. */
private val PaperPadding = 12.dp

/**
 * The card screen: the code for the till on a white card (white in the dark
 * theme too), the grouped card number, the countdown (and, for a LOY2 code,
 * that it works offline), why a LOY2 card shows its LOY1 code when it does,
 * the switch to the linear barcode, and below them the clock warning and
 * the sync notice. The code
 * comes first and keeps its size at any font scale; the rest wraps and the
 * screen scrolls.
 */
@Composable
fun CardScreen(
    state: CardState,
    texts: Texts,
    onSwitchCode: () -> Unit,
    modifier: Modifier = Modifier,
) {
    when (state) {
        CardState.Loading -> LoadingBox(modifier)
        is CardState.NoCard -> MessageBox(state.message, modifier)
        is CardState.Failed -> MessageBox(state.message, modifier)
        is CardState.Shown -> ShownCard(state, texts, onSwitchCode, modifier)
    }
}

@Composable
private fun ShownCard(
    state: CardState.Shown,
    texts: Texts,
    onSwitchCode: () -> Unit,
    modifier: Modifier,
) {
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Surface(
            color = CodeColors.Paper,
            contentColor = CodeColors.Text,
            shape = RoundedCornerShape(PaperPadding),
            shadowElevation = 1.dp,
            modifier = Modifier.widthIn(max = QrMaxSize + PaperPadding * 2),
        ) {
            Column(
                Modifier.padding(PaperPadding),
                horizontalAlignment = Alignment.CenterHorizontally,
                verticalArrangement = Arrangement.spacedBy(4.dp),
            ) {
                val qr = state.qr
                val bars = state.bars
                when {
                    qr != null -> {
                        QrCode(qr, state.codeDescription, Modifier.testTag(CardTags.CODE))
                    }

                    bars != null -> {
                        LinearCode(bars, state.codeDescription, Modifier.padding(vertical = 12.dp).testTag(CardTags.CODE))
                        // The text printed under the bars, when it is not just the card number again.
                        if (bars.text.filter(Char::isDigit) != state.number.filter(Char::isDigit)) {
                            Text(bars.text, fontFamily = FontFamily.Monospace, color = CodeColors.SecondaryText)
                        }
                    }
                }
                Text(
                    state.number,
                    style = MaterialTheme.typography.titleLarge,
                    fontWeight = FontWeight.Medium,
                    textAlign = TextAlign.Center,
                    modifier =
                        Modifier
                            .padding(top = 4.dp)
                            .semantics { contentDescription = state.numberDescription }
                            .testTag(CardTags.NUMBER),
                )
                // The countdown of a rotating code; a static QR code says that it does not change.
                (state.countdown ?: texts.staticCode.takeIf { state.kind == CodeKind.QR })?.let {
                    Text(it, style = MaterialTheme.typography.bodyMedium, color = CodeColors.SecondaryText, textAlign = TextAlign.Center)
                }
                // A LOY2 code: the till checks it without a network.
                state.offlineNote?.let {
                    Text(
                        it,
                        style = MaterialTheme.typography.bodySmall,
                        color = CodeColors.SecondaryText,
                        textAlign = TextAlign.Center,
                        modifier = Modifier.testTag(CardTags.OFFLINE_NOTE),
                    )
                }
            }
        }
        // A LOY2 card showing its LOY1 code: it still pays, at a till that is online.
        state.codeNotice?.let { NoticeBanner(it, Modifier.testTag(CardTags.CODE_NOTICE)) }
        state.screenshotNote?.let {
            Text(
                it,
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                textAlign = TextAlign.Center,
            )
        }
        OutlinedButton(
            onClick = onSwitchCode,
            enabled = state.canSwitch,
            modifier = Modifier.testTag(CardTags.SWITCH),
        ) {
            Text(state.switchLabel, textAlign = TextAlign.Center)
        }
        state.clockWarning?.let { WarningBanner(texts.clockTitle, it) }
        state.notice?.let { NoticeBanner(it) }
    }
}
