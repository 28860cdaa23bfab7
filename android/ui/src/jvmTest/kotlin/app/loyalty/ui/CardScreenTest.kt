package app.loyalty.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertHasClickAction
import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.v2.runComposeUiTest
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.CardState
import app.loyalty.presentation.CodeKind
import app.loyalty.presentation.EnTexts
import app.loyalty.presentation.QrImage
import org.junit.Assert.assertEquals
import org.junit.Test

/** The card screen under Compose's test API: what a screen reader hears, the switch button, the LOY2 lines. */
@OptIn(ExperimentalTestApi::class)
class CardScreenTest {
    private val shown =
        CardState.Shown(
            number = "2000 0000 3931",
            numberDescription = "Card number 2000 0000 3931",
            payload = "payload",
            kind = CodeKind.QR,
            // A 21×21 matrix with every other module dark.
            qr = QrImage(side = 21, quietZone = 4, bits = ByteArray(56) { 0x55 }),
            bars = null,
            countdown = "Code changes in 21 seconds",
            codeDescription = "Card code, changes in 21 seconds",
            screenshotNote = null,
            offlineNote = null,
            codeNotice = null,
            switchLabel = "Barcode for older tills",
            canSwitch = true,
            notice = null,
            clockWarning = "The phone's clock is off.",
        )

    @Test
    fun theCodeSaysWhatItIsAndTheSwitchButtonSwitches() =
        runComposeUiTest {
            var switched = 0
            setContent {
                LoyaltyTheme(dark = false) {
                    Box(Modifier.size(360.dp, 640.dp)) { CardScreen(shown, EnTexts, onSwitchCode = { switched++ }) }
                }
            }
            onNodeWithContentDescription("Card code, changes in 21 seconds").assertExists()
            onNodeWithTag(CardTags.CODE).assertExists()
            onNodeWithContentDescription("Card number 2000 0000 3931").assertExists()
            onNodeWithText("Code changes in 21 seconds").assertExists()
            onNodeWithText(EnTexts.clockTitle).assertExists()
            onNodeWithText("Barcode for older tills").assertHasClickAction().performClick()
            assertEquals(1, switched)
            onNodeWithTag(CardTags.OFFLINE_NOTE).assertDoesNotExist()
            onNodeWithTag(CardTags.CODE_NOTICE).assertDoesNotExist()
        }

    @Test
    fun aLoy2CodeSaysItWorksOfflineAndItsFallbackSaysWhy() =
        runComposeUiTest {
            var state by mutableStateOf(shown.copy(offlineNote = EnTexts.worksOffline))
            setContent {
                LoyaltyTheme(dark = false) {
                    Box(Modifier.size(360.dp, 640.dp)) { CardScreen(state, EnTexts, onSwitchCode = {}) }
                }
            }
            onNodeWithTag(CardTags.OFFLINE_NOTE).assertTextEquals(EnTexts.worksOffline)
            onNodeWithTag(CardTags.CODE_NOTICE).assertDoesNotExist()
            state = shown.copy(codeNotice = EnTexts.offlineCodeUnavailable)
            waitForIdle()
            onNodeWithTag(CardTags.OFFLINE_NOTE).assertDoesNotExist()
            onNodeWithText(EnTexts.offlineCodeUnavailable).assertExists()
            onNodeWithTag(CardTags.CODE).assertExists()
        }
}
