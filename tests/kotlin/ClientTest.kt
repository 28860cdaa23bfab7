package app.loyalty.core.tests

import app.loyalty.core.Cart
import app.loyalty.core.CartLine
import app.loyalty.core.ChangeArea
import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.PushOutcome
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.nio.file.Files

private const val PROGRAM = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"""

private const val SECRET_HEX = "3132333435363738393031323334353637383930"

/** Offline use of the client: no server, the program from the app. */
class ClientTest {
    private fun open(secrets: MapSecrets = MapSecrets()): LoyaltyClient {
        val dir = Files.createTempDirectory("loyalty-kt").toString()
        return LoyaltyClient(ClientConfig(dataDir = dir, programJson = PROGRAM, secretStore = secrets))
    }

    private inline fun expectCode(
        code: String,
        block: () -> Unit,
    ) {
        try {
            block()
            fail("expected LoyaltyException with code $code")
        } catch (e: LoyaltyException.Failure) {
            assertEquals(e.reason, code, e.code)
            assertTrue("a reason the user can act on: ${e.reason}", e.reason.length > 10)
        }
    }

    @Test
    fun offlineJourney() {
        open().use { client ->
            val snap = client.walletSnapshot(30u, 10u)
            assertEquals(0L, snap.balance)
            assertEquals("RUB", snap.currency)
            val changes = Changes()
            client.subscribe(changes).use {
                val push =
                    """{"kind":"offer","message_id":"m-1","title":"15% off","body":"Show your card",""" +
                        """"coupon_percent":"15","coupon_valid_days":"7"}"""
                val outcome = client.ingestPush(push)
                assertTrue(outcome is PushOutcome.New)
                assertEquals("m-1", (outcome as PushOutcome.New).messageId)
                assertEquals(1u, client.unreadCount())
                client.activateOffer("m-1")
                assertEquals(0u, client.unreadCount())
                assertEquals(listOf(ChangeArea.INBOX, ChangeArea.INBOX, ChangeArea.WALLET), changes.areas.toList())
            }
            // Closed: no more notifications.
            client.ingestPush("""{"kind":"message","message_id":"m-2","title":"Hi","body":"There"}""")
            assertEquals(3, changes.areas.size)

            val coupons = client.walletSnapshot(30u, 10u).coupons
            assertEquals(listOf("offer:m-1"), coupons.map { it.id })
            assertEquals(1500L, coupons[0].percentHundredths)
            client.joinChallenge("j")
            assertEquals("active", client.challenges().first { it.id == "j" }.status)
            assertEquals(0u, client.badges().first { it.id == "first" }.level)

            val preview = client.previewPurchase(Cart(lines = listOf(CartLine(sku = "A", qty = 2, amountMinor = 150_000))))
            assertEquals(150L, preview.pointsEarned)
            assertEquals(150_000L, preview.payableMinor)
        }
    }

    @Test
    fun cardOfflineWithThePlatformSecretStore() {
        val secrets = MapSecrets()
        open(secrets).use { client ->
            expectCode("no_card") { client.cardView() }
            client.enrollCard("2000000000015", SECRET_HEX)
            val view = client.cardView()
            assertEquals("2000 0000 0001 5", view.displayNumber)
            assertTrue(view.payload.contains("2000000000015"))
            val side = view.qrSide.toInt()
            assertTrue("a QR code is at least 21 modules wide", side >= 21)
            assertTrue(view.qrBits.size * 8 >= side * side)
            assertTrue(client.cardSvg().startsWith("<svg"))
            val png = client.cardPng(4u)
            assertEquals(0x89.toByte(), png[0])
            assertEquals("ean13", client.cardBarcode().symbology)
            secrets.locked = true
            expectCode("invalid_secret") { client.enrollCard("2000000000015", "00") }
            expectCode("secret_store") { client.enrollCard("4006381333931", SECRET_HEX) }
            secrets.locked = false
            assertEquals("the failed re-enrollment changed nothing", "2000 0000 0001 5", client.cardView().displayNumber)
        }
    }

    @Test
    fun throwingAppCallbacksBecomeErrorsNotCrashes() {
        val broken =
            object : app.loyalty.core.SecretStore {
                override fun get(key: String): ByteArray? = throw IllegalStateException("keystore exploded")

                override fun put(
                    key: String,
                    secret: ByteArray,
                ) = throw IllegalStateException("keystore exploded")

                override fun delete(key: String) = throw IllegalStateException("keystore exploded")
            }
        val dir = Files.createTempDirectory("loyalty-kt").toString()
        LoyaltyClient(ClientConfig(dataDir = dir, programJson = PROGRAM, secretStore = broken)).use { client ->
            expectCode("secret_store") { client.enrollCard("2000000000015", SECRET_HEX) }
            // A listener that throws is skipped; the change itself succeeds.
            val throwing =
                object : app.loyalty.core.ChangeListener {
                    override fun onChange(areas: List<ChangeArea>) = throw IllegalStateException("UI bug")
                }
            val changes = Changes()
            client.subscribe(throwing).use {
                client.subscribe(changes).use {
                    client.ingestPush("""{"kind":"message","message_id":"m-9","title":"Hi","body":"There"}""")
                }
            }
            assertEquals(listOf(ChangeArea.INBOX), changes.areas.toList())
            assertEquals(1u, client.unreadCount())
        }
    }

    @Test
    fun errorsAreExceptionsWithStableCodes() {
        open().use { client ->
            expectCode("insufficient_points") { client.redeemReward("c1") }
            expectCode("unknown_reward") { client.redeemReward("nope") }
            expectCode("invalid_push") {
                client.ingestPush("""{"kind":"offer","message_id":"x","title":"T","body":"B","deep_link":"javascript:alert(1)"}""")
            }
            expectCode("invalid_push") { client.ingestPush("{not json") }
            expectCode("unknown_message") { client.markRead("nope") }
            expectCode("invalid_amount") {
                client.previewPurchase(Cart(lines = listOf(CartLine(sku = "A", qty = 1, amountMinor = -1))))
            }
        }
        val dir = Files.createTempDirectory("loyalty-kt").toString()
        expectCode("invalid_config") {
            LoyaltyClient(ClientConfig(dataDir = dir, serverUrl = "ftp://nope", secretStore = MapSecrets()))
        }
        expectCode("invalid_rules") {
            LoyaltyClient(ClientConfig(dataDir = dir, programJson = "{}", secretStore = MapSecrets()))
        }
        Files.write(
            java.nio.file.Paths
                .get(dir, "wallet.sqlite3"),
            "garbage".toByteArray(),
        )
        expectCode("not_a_database") {
            LoyaltyClient(ClientConfig(dataDir = dir, secretStore = MapSecrets()))
        }
    }
}
