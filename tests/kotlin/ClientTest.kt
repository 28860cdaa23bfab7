package app.loyalty.core.tests

import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.PushOutcome
import java.nio.file.Files
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

private const val PROGRAM = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"""

class ClientTest {
    private fun open(): LoyaltyClient {
        val dir = Files.createTempDirectory("loyalty-kt").toString()
        return LoyaltyClient(ClientConfig(dataDir = dir, programJson = PROGRAM))
    }

    @Test
    fun offlineJourney() {
        open().use { client ->
            val snap = client.walletSnapshot(10u)
            assertEquals(0L, snap.balance)
            assertEquals("RUB", snap.currency)

            val push = """{"kind":"offer","message_id":"m-1","title":"15% off","body":"Show your card","coupon_percent":"15","coupon_valid_days":"7"}"""
            val outcome = client.ingestPush(push)
            assertTrue(outcome is PushOutcome.New)
            assertEquals("m-1", (outcome as PushOutcome.New).messageId)
            assertEquals(PushOutcome.Duplicate, client.ingestPush(push))
            assertEquals(1L, client.unreadCount())

            client.activateOffer("m-1")
            assertEquals(0L, client.unreadCount())
            val coupons = client.walletSnapshot(10u).coupons
            assertEquals(listOf("offer:m-1"), coupons.map { it.id })
            assertEquals(1500L, coupons[0].percentHundredths)

            client.joinChallenge("j")
            assertEquals("active", client.challenges().first { it.id == "j" }.status)
            assertEquals(0u, client.badges().first { it.id == "first" }.level)
        }
    }

    @Test
    fun errorsAreExceptionsWithStableCodes() {
        open().use { client ->
            try {
                client.redeemReward("c1")
                fail("redeeming without points must fail")
            } catch (e: LoyaltyException.Failure) {
                assertEquals("insufficient_points", e.code)
                assertTrue(e.reason.contains("not enough points"))
            }
            try {
                client.ingestPush("""{"kind":"offer","message_id":"x","title":"T","body":"B","deep_link":"javascript:alert(1)"}""")
                fail("unsafe links must be refused")
            } catch (e: LoyaltyException.Failure) {
                assertEquals("invalid_push", e.code)
            }
            try {
                client.cardView()
                fail("no card enrolled")
            } catch (e: LoyaltyException.Failure) {
                assertEquals("no_card", e.code)
            }
        }
    }
}
