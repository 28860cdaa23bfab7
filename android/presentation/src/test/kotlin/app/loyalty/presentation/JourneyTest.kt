package app.loyalty.presentation

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assume.assumeTrue
import org.junit.Test
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/**
 * The shopper's journey against the dev server (started by
 * scripts/test-android.sh; its URL in -Dloyalty.server): enroll, the card,
 * a till purchase, sync, every screen; an offer pushed by the admin API
 * becomes a coupon; a sync that fails leaves the card usable.
 */
class JourneyTest {
    private val server = System.getProperty("loyalty.server")
    private val http = HttpClient.newHttpClient()

    private fun post(
        path: String,
        body: String,
    ): Pair<Int, String> {
        val request =
            HttpRequest
                .newBuilder(URI.create("$server$path"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    @Test
    fun enrollBuySyncAndEveryScreen() =
        runBlocking {
            assumeTrue("needs -Dloyalty.server", server != null)
            val client = client(serverUrl = server)
            val e = env(client, Lang.RU, Dispatchers.IO, System::currentTimeMillis)
            val onboarding = OnboardingModel(e)
            onboarding.enroll()
            assertEquals(Root.MEMBER, onboarding.root.value)
            val ready = onboarding.state.value as OnboardingState.Ready
            assertTrue(ready.message, ready.message.startsWith("Карта •••• "))

            val sync = SyncCoordinator(e)
            sync.sync()
            assertEquals(SyncStatus(), sync.status.value)
            val card = CardScreenModel(e, sync)
            card.reload()
            val shown = card.state.value as CardState.Shown
            val lines = """[{"sku": "RUN", "category": "sport", "qty": 2, "amount": "1000.00"}]"""
            val (status, answer) =
                post(
                    "/v1/pos/purchases",
                    """{"payload": "${shown.payload}", "purchase": {"receipt_id": "r1", "lines": $lines}}""",
                )
            assertEquals(answer, 201, status)

            val wallet = WalletScreenModel(e, sync)
            wallet.refresh()
            val w = wallet.state.value
            assertEquals("100\u00A0баллов", w.balance)
            assertEquals(null, w.notice)
            assertEquals("Бронзовый", w.tier?.title)
            val tier = requireNotNull(w.tier)
            assertTrue(tier.next, tier.next.startsWith("Ещё 9\u00A0000\u00A0₽ до уровня «Серебряный»"))
            assertEquals("Начисление за покупку", w.history.first().title)
            assertEquals("+100", w.history.first().points)

            val challenges =
                ChallengesScreenModel(e)
                    .also { it.reload() }
                    .state.value.challenges
            assertEquals("2 из 3", challenges.first { it.id == "sport3" }.progressText)
            val badges =
                BadgesScreenModel(e)
                    .also { it.reload() }
                    .state.value.badges
            assertTrue(badges.first { it.id == "first" }.earned)

            // An offer pushed through the admin API arrives with the next sync.
            val offer =
                """{"message": {"kind": "offer", "message_id": "o-journey", "title": "Скидка 15%", "body": "Покажите карту",
                   "coupon_percent": "15", "coupon_valid_days": "7"}}"""
            assertEquals(201, post("/v1/admin/offers", offer).first)
            sync.sync()
            val inbox = InboxScreenModel(e)
            inbox.reload()
            val message =
                inbox.state.value.messages
                    .first { it.id == "o-journey" }
            assertTrue(message.canActivate && message.unread)
            // The offer and the "first purchase" badge notice: the Russian plural of the count.
            val unread = inbox.state.value.unreadCount
            assertTrue(unread >= 1)
            assertEquals(RuTexts.unread(unread), inbox.state.value.unreadText)
            assertEquals("2 непрочитанных", RuTexts.unread(2))
            assertEquals("1 непрочитанное", RuTexts.unread(1))
            inbox.activate("o-journey")
            wallet.reload()
            assertTrue(
                wallet.state.value.coupons
                    .any { it.title == "Скидка 15\u00A0%" },
            )
            wallet.refresh()
            assertEquals(null, wallet.state.value.pending)
        }

    @Test
    fun aFailedSyncIsANoticeAndTheCardStillShows() =
        runBlocking {
            // Port 9 on loopback: nothing listens, the sync fails at once.
            val secrets = app.loyalty.core.MemorySecretStore()
            secrets.put("access_token", "a-token".toByteArray())
            val program = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"""
            val client = client(serverUrl = "http://127.0.0.1:9", program = program, secrets = secrets)
            client.enrollCard("4006381333931", "3132333435363738393031323334353637383930")
            val e = env(client, Lang.EN, Dispatchers.IO, System::currentTimeMillis)
            val sync = SyncCoordinator(e)
            val wallet = WalletScreenModel(e, sync)
            wallet.refresh()
            assertEquals("network", sync.status.value.errorCode)
            assertEquals("Offline: showing saved data", wallet.state.value.notice)
            assertEquals("0\u00A0points", wallet.state.value.balance)
            val card = CardScreenModel(e, sync)
            card.reload()
            val shown = card.state.value as CardState.Shown
            assertNotNull(shown.qr)
            assertEquals("Offline: showing saved data", shown.notice)
            assertEquals(null, shown.clockWarning)
        }
}
