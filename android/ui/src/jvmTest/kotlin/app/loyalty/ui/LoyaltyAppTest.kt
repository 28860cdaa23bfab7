package app.loyalty.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.ui.Modifier
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.v2.runComposeUiTest
import androidx.compose.ui.unit.dp
import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.MemorySecretStore
import app.loyalty.presentation.EnTexts
import app.loyalty.presentation.Env
import app.loyalty.presentation.ErrorTexts
import app.loyalty.presentation.Format
import app.loyalty.presentation.Lang
import app.loyalty.presentation.WindowState
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Test
import java.nio.file.Files
import java.time.ZoneId
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The stateful root on a real client (the demo wallet): onboarding decides
 * on the member's screens, the card shows and asks for a bright, awake,
 * secure window; leaving the card tab gives the plain window back. The
 * leaderboards open from the challenges tab; a name the core refuses shows
 * its message under the field, a good one joins (pending), Leave leaves.
 */
@OptIn(ExperimentalTestApi::class)
class LoyaltyAppTest {
    @Test
    fun theDemoWalletOpensOnTheCardAndTheWindowFollowsIt() {
        val dir = Files.createTempDirectory("loyalty-ui-app").toFile()
        try {
            LoyaltyClient(ClientConfig(dataDir = dir.path, secretStore = MemorySecretStore())).use { client ->
                client.startDemo()
                val models = AppModels(Env(client, Format(Lang.EN, ZoneId.of("Europe/Moscow")), Dispatchers.IO))
                val windows = CopyOnWriteArrayList<WindowState>()
                runComposeUiTest {
                    setContent {
                        Box(Modifier.size(360.dp, 760.dp)) { LoyaltyApp(models, onWindow = { windows += it }, dark = false) }
                    }
                    waitUntil(timeoutMillis = 10_000) { onAllNodes(hasTestTag(CardTags.CODE)).fetchSemanticsNodes().isNotEmpty() }
                    waitUntil(timeoutMillis = 10_000) { windows.lastOrNull()?.fullBrightness == true }
                    assertEquals(WindowState(fullBrightness = true, keepScreenOn = true, secure = true), windows.last())

                    onNodeWithTag(AppTags.tab(Tab.WALLET)).performClick()
                    waitUntil(timeoutMillis = 10_000) { onAllNodes(hasText(EnTexts.history)).fetchSemanticsNodes().isNotEmpty() }
                    waitUntil(timeoutMillis = 10_000) { windows.last() == WindowState() }
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun theLeaderboardsOpenFromTheChallengesAndShowTheCoresRefusal() {
        val dir = Files.createTempDirectory("loyalty-ui-boards").toFile()
        try {
            LoyaltyClient(ClientConfig(dataDir = dir.path, secretStore = MemorySecretStore())).use { client ->
                client.startDemo()
                val models = AppModels(Env(client, Format(Lang.EN, ZoneId.of("Europe/Moscow")), Dispatchers.IO))

                runComposeUiTest {
                    setContent {
                        Box(Modifier.size(360.dp, 760.dp)) { LoyaltyApp(models, onWindow = {}, dark = false) }
                    }

                    fun shown(tag: String) = onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty()

                    fun shownText(text: String) = onAllNodes(hasText(text)).fetchSemanticsNodes().isNotEmpty()

                    waitUntil(timeoutMillis = 10_000) { shown(AppTags.tab(Tab.CHALLENGES)) }
                    onNodeWithTag(AppTags.tab(Tab.CHALLENGES)).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.OPEN) }
                    onNodeWithTag(LeaderboardTags.OPEN).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.JOIN) }
                    assertEquals(true, shownText(EnTexts.leaderboards))
                    assertEquals(true, shownText("No leaderboards yet"))

                    onNodeWithTag(LeaderboardTags.JOIN).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.NAME) }
                    onNodeWithTag(LeaderboardTags.NAME).performTextInput("x")
                    onNodeWithTag(LeaderboardTags.SUBMIT).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.JOIN_ERROR) }
                    onNodeWithTag(LeaderboardTags.JOIN_ERROR).assertTextEquals(ErrorTexts.message("invalid_display_name", Lang.EN))

                    onNodeWithTag(LeaderboardTags.NAME).performTextReplacement("  Anna K.  ")
                    onNodeWithTag(LeaderboardTags.SUBMIT).performClick()
                    waitUntil(timeoutMillis = 10_000) { shownText("“Anna K.” waits for the server to confirm it") }
                    assertEquals("the field closes once joined", false, shown(LeaderboardTags.NAME))
                    assertEquals("Anna K.", client.leaderboards().myName)

                    onNodeWithTag(LeaderboardTags.LEAVE).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.JOIN) }
                    assertEquals(null, client.leaderboards().myName)

                    onNodeWithTag(LeaderboardTags.BACK).performClick()
                    waitUntil(timeoutMillis = 10_000) { shown(LeaderboardTags.OPEN) }
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
