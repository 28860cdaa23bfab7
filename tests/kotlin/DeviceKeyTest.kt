package app.loyalty.core.tests

import app.loyalty.core.CardCodeFormat
import app.loyalty.core.CardNotice
import app.loyalty.core.ClientConfig
import app.loyalty.core.Clock
import app.loyalty.core.DeviceSigner
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.TillVerifier
import app.loyalty.core.fetchCardKeys
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.nio.file.Files
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.atomic.AtomicInteger

/**
 * A device key as an Android app holds it, in `java.security` terms: an EC
 * P-256 key pair, its public half as X.509 SubjectPublicKeyInfo
 * (`getEncoded()`), signatures as `SHA256withECDSA` DER — what the Android
 * Keystore hands out, with no conversion in the app.
 */
class JavaSecuritySigner : DeviceSigner {
    private val pair: KeyPair =
        KeyPairGenerator
            .getInstance("EC")
            .apply { initialize(ECGenParameterSpec("secp256r1")) }
            .generateKeyPair()
    val signatures = AtomicInteger()

    @Volatile var failing = false

    override fun publicKey(): ByteArray = pair.public.encoded

    override fun sign(message: ByteArray): ByteArray {
        signatures.incrementAndGet()
        if (failing) throw LoyaltyException.Failure("keystore_locked", "user authentication required")
        return Signature.getInstance("SHA256withECDSA").run {
            initSign(pair.private)
            update(message)
            sign()
        }
    }
}

/** A clock held at one instant, so a test stays within one 30 s step. */
class HeldClock(
    private val ms: Long,
) : Clock {
    override fun nowMs(): Long = ms
}

/**
 * LOY2 against the dev server scripts/test-bindings.sh starts with a LOY2
 * program (-Dloyalty.server.loy2=http://…): the app's java.security key signs
 * codes an offline till accepts once; a key that cannot sign leaves the card
 * on its LOY1 code with a notice.
 */
class DeviceKeyTest {
    private val server: String =
        System.getProperty("loyalty.server.loy2")
            ?: error("run through scripts/test-bindings.sh, which starts the LOY2 dev server")

    private val program = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"format": "loy2"}}"""

    private fun client(signer: DeviceSigner): LoyaltyClient {
        val dir = Files.createTempDirectory("loyalty-loy2").toString()
        return LoyaltyClient(
            ClientConfig(
                dataDir = dir,
                serverUrl = server,
                programJson = program,
                secretStore = MapSecrets(),
                clock = HeldClock(System.currentTimeMillis()),
                deviceSigner = signer,
            ),
        )
    }

    @Test
    fun aJavaSecurityKeySignsCodesTheOfflineTillAcceptsOnce() =
        runBlocking {
            val signer = JavaSecuritySigner()
            client(signer).use { client ->
                client.enroll()
                val view = client.cardView()
                assertEquals(CardCodeFormat.LOY2, view.format)
                assertNull(view.notice)
                assertTrue(view.payload, view.payload.startsWith("92") && view.payload.all { it.isDigit() })
                assertEquals("QR version 10", 57u, view.qrSide)
                // The frame is cached for its step: one signature however often the screen asks.
                repeat(5) { assertEquals(view.payload, client.cardView().payload) }
                assertEquals(1, signer.signatures.get())

                val till = TillVerifier(fetchCardKeys(server))
                val now = System.currentTimeMillis() / 1000
                val check = till.verify(view.payload, now)
                assertTrue(check.refusal ?: "", check.accepted)
                assertEquals(view.displayNumber.replace(" ", ""), check.cardNumber)
                assertEquals(listOf("identify", "earn", "redeem_online"), check.scope)
                assertFalse(check.staticPass)
                assertEquals("token_replayed", till.verify(view.payload, now).refusal)
                // The replay state survives a restart of the till.
                val restarted = TillVerifier(fetchCardKeys(server))
                restarted.restoreReplayState(till.replayStateJson())
                assertEquals("token_replayed", restarted.verify(view.payload, now).refusal)
                assertEquals("malformed", till.verify("LOY1:1:2", now).refusal)
            }
        }

    @Test
    fun aKeyThatCannotSignShowsTheLoy1CodeWithItsNotice() =
        runBlocking {
            val signer = JavaSecuritySigner()
            client(signer).use { client ->
                client.enroll()
                signer.failing = true
                val view = client.cardView()
                assertEquals(CardCodeFormat.LOY1, view.format)
                assertEquals(CardNotice.SIGNER_FAILED, view.notice)
                assertTrue(view.payload, view.payload.startsWith("LOY1:"))
            }
        }
}
