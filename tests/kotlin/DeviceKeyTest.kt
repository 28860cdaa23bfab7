package app.loyalty.core.tests

import app.loyalty.core.CardCodeFormat
import app.loyalty.core.CardNotice
import app.loyalty.core.ClientConfig
import app.loyalty.core.Clock
import app.loyalty.core.DeviceSigner
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.nio.file.Files
import java.nio.file.Path
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
 * codes the offline till (the `loyalty pos` CLI over the till crate,
 * -Dloyalty.cli=…) accepts once; a key that cannot sign leaves the card on
 * its LOY1 code with a notice.
 */
class DeviceKeyTest {
    private val server: String =
        System.getProperty("loyalty.server.loy2")
            ?: error("run through scripts/test-bindings.sh, which starts the LOY2 dev server")
    private val cli: String =
        System.getProperty("loyalty.cli") ?: error("run through scripts/test-bindings.sh, which builds the loyalty CLI")

    /** Runs the till's CLI; its exit status and what it printed (stdout, then stderr). */
    private fun till(vararg args: String): Pair<Int, String> {
        val process = ProcessBuilder(listOf(cli) + args).redirectErrorStream(true).start()
        val out = process.inputStream.bufferedReader().readText()
        return process.waitFor() to out
    }

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

                val dir = Files.createTempDirectory("loyalty-till")
                val keys: Path = dir.resolve("keys.json")
                val state = dir.resolve("state.json").toString()
                val (fetched, keyJson) = till("pos", "keys", "--server", server)
                assertEquals(keyJson, 0, fetched)
                Files.writeString(keys, keyJson)
                val now = (System.currentTimeMillis() / 1000).toString()
                val verify = { payload: String ->
                    till("pos", "verify-offline", payload, "--keys", keys.toString(), "--state", state, "--unix", now)
                }
                val number = view.displayNumber.replace(" ", "")
                val (ok, accepted) = verify(view.payload)
                assertEquals(accepted, 0, ok)
                assertTrue(accepted, accepted.startsWith("accepted card $number step "))
                assertTrue(accepted, accepted.contains("scope identify,earn,redeem_online"))
                // Once only, across till processes (the state file keeps the high-water mark).
                val (again, replayed) = verify(view.payload)
                assertEquals(replayed, 1, again)
                assertTrue(replayed, replayed.contains("token_replayed"))
                // One digit changed anywhere is refused.
                val i = view.payload.length / 2
                val flipped = view.payload.substring(0, i) + ((view.payload[i] - '0' + 1) % 10) + view.payload.substring(i + 1)
                assertEquals(1, verify(flipped).first)
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
