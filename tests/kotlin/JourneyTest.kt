package app.loyalty.core.tests

import app.loyalty.core.ChangeArea
import app.loyalty.core.ClientConfig
import app.loyalty.core.LogLevel
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.PushOutcome
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * The whole journey against the dev server that scripts/test-bindings.sh
 * starts on a free loopback port (passed as -Dloyalty.server=http://…).
 */
class JourneyTest {
    private val server: String =
        System.getProperty("loyalty.server")
            ?: error("run through scripts/test-bindings.sh, which starts the dev server")
    private val http = HttpClient.newHttpClient()

    /** The till and the back office: plain HTTP calls to the dev server. */
    private fun post(
        path: String,
        json: String,
    ): Pair<Int, String> {
        val request =
            HttpRequest
                .newBuilder(URI.create(server + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    private fun tillPurchase(
        payload: String,
        receipt: String,
        amount: String,
    ) {
        val (status, body) =
            post(
                "/v1/pos/purchases",
                """{"payload":"$payload","purchase":{"receipt_id":"$receipt","lines":[{"sku":"BALL","category":"sport","qty":1,"amount":"$amount"}]}}""",
            )
        assertEquals(body, 201, status)
    }

    @Test
    fun fullJourney() =
        runBlocking<Unit> {
            val secrets = MapSecrets()
            val login = Login(secrets)
            val logs = Logs()
            val dir = Files.createTempDirectory("loyalty-kt-journey").toString()
            val config =
                ClientConfig(
                    dataDir = dir,
                    serverUrl = server,
                    secretStore = secrets,
                    tokenProvider = login,
                    logSink = logs,
                    logLevel = LogLevel.DEBUG,
                )
            LoyaltyClient(config).use { client ->
                val changes = Changes()
                client.subscribe(changes).use {
                    val me = withContext(Dispatchers.IO) { client.enroll() }
                    assertEquals(4, me.cardLast4.length)
                    assertTrue(changes.areas.contains(ChangeArea.CARD))
                    client.sync()

                    // The till scans the card: a purchase recorded on the server.
                    val card = client.cardView()
                    tillPurchase(card.payload, "kt-1", "1500.00")
                    val (offer, _) =
                        post(
                            "/v1/admin/offers",
                            """{"message":{"kind":"offer","message_id":"o-1","title":"15% off","body":"Show your card","coupon_percent":"15","coupon_valid_days":"7"}}""",
                        )
                    assertEquals(201, offer)

                    changes.areas.clear()
                    val report = withContext(Dispatchers.IO) { client.sync() }
                    assertEquals(1u, report.eventsApplied)
                    assertEquals(1u, report.messages)
                    assertEquals(emptyList<String>(), report.mismatches)
                    assertTrue(changes.areas.containsAll(listOf(ChangeArea.WALLET, ChangeArea.INBOX, ChangeArea.GOALS)))

                    val snap = client.walletSnapshot(30u, 20u)
                    assertEquals(150L, snap.balance)
                    assertEquals("bronze", snap.tier)
                    assertEquals("silver", snap.nextTier)
                    assertEquals(1_000_000L, snap.nextTierThresholdMinor)
                    assertEquals(850_000L, snap.nextTierRemainingMinor)
                    assertTrue("points from today expire in 12 months", snap.nextExpiryMs!! > System.currentTimeMillis())
                    assertEquals(listOf("earn"), snap.history.map { it.kind })
                    assertEquals(1L, client.challenges().first { it.id == "sport3" }.progress)
                    assertEquals(1u, client.badges().first { it.id == "first" }.level)
                    assertTrue(client.inbox(false).any { it.id == "o-1" && it.hasCoupon })

                    // An FCM data message as the app's FirebaseMessagingService hands it over.
                    val fcm =
                        """{"kind":"offer","message_id":"fcm-1","title":"Weekend −20%","body":"Sport only",""" +
                            """"coupon_percent":"20","deep_link":"loyalty://offers/fcm-1","priority":"5"}"""
                    assertTrue(client.ingestPush(fcm) is PushOutcome.New)
                    assertEquals(PushOutcome.Duplicate, client.ingestPush(fcm))
                    val unread = client.unreadCount()
                    client.markRead("fcm-1")
                    assertEquals(unread - 1u, client.unreadCount())

                    // Offline redeem: applied now, confirmed by the next sync.
                    val coupon = client.redeemReward("c20")
                    val pending = client.walletSnapshot(30u, 5u)
                    assertEquals(100L, pending.balance)
                    assertEquals(1u, pending.pendingActions)
                    assertTrue(pending.coupons.any { it.id == coupon })
                    val confirmed = withContext(Dispatchers.IO) { client.sync() }
                    assertEquals(1u, confirmed.actionsSent)
                    assertEquals(0u, confirmed.actionsRejected)
                    assertEquals(0u, client.walletSnapshot(30u, 5u).pendingActions)

                    // A mistake is an exception with a stable code, and changes nothing.
                    try {
                        client.redeemReward("c20")
                        client.redeemReward("c20")
                        client.redeemReward("c20")
                        fail("100 points pay for two coupons, not three")
                    } catch (e: LoyaltyException.Failure) {
                        assertEquals("insufficient_points", e.code)
                    }
                    assertEquals(0L, client.walletSnapshot(30u, 5u).balance)

                    // Paged history: newest first, pages chain.
                    val first = client.history(null, 2u)
                    assertEquals(2, first.entries.size)
                    val rest = client.history(first.nextBeforeId, 10u)
                    assertTrue(rest.entries.all { it.id < first.entries.last().id })
                    assertEquals(4, first.entries.size + rest.entries.size)

                    // A cancelled coroutine only stops waiting: the sync finishes in
                    // the background, sends the offline activation, tells the listeners.
                    val queued = client.walletSnapshot(30u, 5u).pendingActions
                    client.activateOffer("o-1")
                    assertEquals(queued + 1u, client.walletSnapshot(30u, 5u).pendingActions)
                    changes.areas.clear()
                    val entered = CountDownLatch(1)
                    val gate = CountDownLatch(1)
                    login.hold = entered to gate
                    val job = launch(Dispatchers.IO) { client.sync() }
                    val deadline = System.currentTimeMillis() + 20_000
                    // Cancel while the sync is held inside the login: certainly in flight.
                    assertTrue("the sync never asked for a token", withContext(Dispatchers.IO) { entered.await(20, TimeUnit.SECONDS) })
                    job.cancel()
                    job.join()
                    gate.countDown()
                    assertTrue(job.isCancelled)
                    while (client.walletSnapshot(30u, 5u).pendingActions > 0u || !changes.areas.contains(ChangeArea.WALLET)) {
                        assertTrue("the abandoned sync never finished", System.currentTimeMillis() < deadline)
                        delay(20)
                    }
                    val after = withContext(Dispatchers.IO) { client.sync() }
                    assertEquals(emptyList<String>(), after.mismatches)
                    assertTrue(client.walletSnapshot(30u, 5u).coupons.any { it.id == "offer:o-1" })

                    // A second purchase once the code has rotated (the till refuses a replayed code).
                    val wait = (client.cardView().secondsToRotation ?: 0L) + 1
                    delay(wait * 1000)
                    val rotated = client.cardView()
                    assertNotEquals(card.payload, rotated.payload)
                    tillPurchase(rotated.payload, "kt-2", "500.00")
                    assertEquals(1u, withContext(Dispatchers.IO) { client.sync() }.eventsApplied)
                    assertEquals(50L, client.walletSnapshot(30u, 5u).balance)
                    assertEquals(2L, client.challenges().first { it.id == "sport3" }.progress)
                }

                assertTrue("the app's login was asked for tokens", login.calls.get() > 0)
                val token = String(secrets.map.getValue("access_token"), Charsets.UTF_8)
                val secretHex = secrets.map.getValue("card_secret").joinToString("") { "%02x".format(it) }
                val number = client.cardView().displayNumber.filter { it.isDigit() }
                assertFalse(logs.lines.isEmpty())
                for (line in logs.lines) {
                    assertFalse("secret in the log: $line", line.contains(token) || line.contains(secretHex) || line.contains(number))
                }

                val out = withContext(Dispatchers.IO) { client.signOut() }
                assertEquals(null, out.lastSyncError)
                assertTrue(secrets.map.isEmpty())
                try {
                    client.cardView()
                    fail("signed out: no card")
                } catch (e: LoyaltyException.Failure) {
                    assertEquals("no_card", e.code)
                }
            }
        }
}
