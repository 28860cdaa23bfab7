// The LOY2 card screens of the render run (scripts/render-screens.sh, against
// a dev server with a LOY2 program): a member enrolled with a java.security
// device key (what the Android Keystore hands out: SPKI public key,
// SHA256withECDSA DER) sees the device-signed code, which zbar reads and the
// offline till (`loyalty pos verify-offline`) takes once; the same wallet
// opened with another key (a Keystore reset) falls back to its LOY1 code
// with the notice, and that code is taken by the online till.
package app.loyalty.ui.render

import app.loyalty.core.ClientConfig
import app.loyalty.core.DeviceSigner
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.MemorySecretStore
import app.loyalty.presentation.CardScreenModel
import app.loyalty.presentation.CardState
import app.loyalty.presentation.Env
import app.loyalty.presentation.Format
import app.loyalty.presentation.Lang
import app.loyalty.presentation.Texts
import app.loyalty.ui.CardScreen
import app.loyalty.ui.Tab
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.time.ZoneId
import java.util.concurrent.TimeUnit

/** A P-256 device key in `java.security` terms, as the Android Keystore gives it to the app. */
class JavaSecuritySigner : DeviceSigner {
    private val pair: KeyPair =
        KeyPairGenerator
            .getInstance("EC")
            .apply { initialize(ECGenParameterSpec("secp256r1")) }
            .generateKeyPair()

    override fun publicKey(): ByteArray = pair.public.encoded

    override fun sign(message: ByteArray): ByteArray =
        Signature.getInstance("SHA256withECDSA").run {
            initSign(pair.private)
            update(message)
            sign()
        }
}

/** The program of the LOY2 dev server (tests/programs/loy2-program.json), which the client starts with. */
private const val LOY2_PROGRAM = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"format": "loy2"}}"""

/** The offline till: the `loyalty pos` CLI over the till crate, its exit status and output. */
private fun cli(
    loyalty: String,
    vararg args: String,
): Pair<Int, String> {
    val p = ProcessBuilder(listOf(loyalty) + args).redirectErrorStream(true).start()
    val out = p.inputStream.readBytes().toString(Charsets.UTF_8)
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly().waitFor()
    return p.exitValue() to out.trim()
}

/**
 * Renders `card-loy2-light-ru`, `card-loy2-dark-en` and
 * `card-loy2-fallback-light-ru` from a member of the LOY2 server at
 * [server] and proves them at its tills. The clock is held at one instant,
 * so every render of a kind shows the same code.
 */
fun loy2Cards(
    server: String,
    loyalty: String,
    out: File,
    zbarimg: String,
    checks: Checks,
    tempDir: (String) -> File,
    times: MutableMap<String, Long>,
) {
    val now = System.currentTimeMillis()
    val secrets = MemorySecretStore()
    val config =
        ClientConfig(
            dataDir = tempDir("loyalty-ui-loy2").path,
            serverUrl = server,
            programJson = LOY2_PROGRAM,
            secretStore = secrets,
            clock = FixedClock(now),
            deviceSigner = JavaSecuritySigner(),
        )

    fun card(
        client: LoyaltyClient,
        lang: Lang,
    ): CardState =
        runBlocking {
            CardScreenModel(Env(client, Format(lang, ZoneId.of("Europe/Moscow")), Dispatchers.IO, nowMs = { now }))
                .also { it.reload() }
                .state.value
        }

    val keys = File(tempDir("loyalty-ui-till"), "keys.json")
    val (fetched, keyJson) = cli(loyalty, "pos", "keys", "--server", server)
    if (!checks.check(fetched == 0, "loy2: the offline till fetched the program's keys ($fetched)")) return
    keys.writeText(keyJson)
    val state = File(keys.parentFile, "state.json").path
    val verify = { payload: String ->
        cli(loyalty, "pos", "verify-offline", payload, "--keys", keys.path, "--state", state, "--unix", (now / 1000).toString())
    }

    LoyaltyClient(config).use { client ->
        runBlocking { client.enroll() }
        for ((lang, dark) in listOf(Lang.RU to false, Lang.EN to true)) {
            val s = card(client, lang)
            val name = "card-loy2-" + (if (dark) "dark-" else "light-") + lang.name.lowercase()
            val ok = s is CardState.Shown && s.qr?.side == 57
            if (!checks.check(ok, "$name: the card shows a 57×57 QR code (${s::class.simpleName})")) return
            s as CardState.Shown
            val texts = Texts.of(lang)
            checks.check(
                s.offlineNote == texts.worksOffline && s.codeNotice == null && s.payload.startsWith("92"),
                "$name: a LOY2 code (${s.payload.take(12)}…, ${s.payload.length} digits) that says it works offline",
            )
            val file = File(out, "$name.png")
            times[name] = renderPng(file) { Member(texts, Tab.CARD, dark) { m -> CardScreen(s, texts, {}, m) } }
            val ppm = checkQrPixels(checks, file, s.qr!!)
            checks.check(ppm >= 4, "$name: $ppm px per module on a 360 dp phone at density 2 (a 57-module code stays scannable)")
            val read = zbar(zbarimg, file)
            checks.check(read == listOf(s.payload), "$name: zbarimg reads exactly the LOY2 payload (${read.size} symbol(s))")
            if (!dark && read.size == 1) {
                val (ok, accepted) = verify(read[0])
                val number = s.number.filter(Char::isDigit)
                checks.check(
                    ok == 0 && accepted.startsWith("accepted card $number "),
                    "loy2: the offline till takes the scanned code ($accepted)",
                )
                val (again, replayed) = verify(read[0])
                checks.check(again == 1 && "token_replayed" in replayed, "loy2: and refuses it when replayed ($replayed)")
            }
        }
    }

    // The same wallet with another device key (a Keystore reset): the credential is for the old key.
    LoyaltyClient(config.copy(deviceSigner = JavaSecuritySigner())).use { client ->
        val s = card(client, Lang.RU)
        val name = "card-loy2-fallback-light-ru"
        val ok = s is CardState.Shown && s.qr != null
        if (!checks.check(ok, "$name: the card still shows a QR code (${s::class.simpleName})")) return
        s as CardState.Shown
        val texts = Texts.of(Lang.RU)
        checks.check(
            s.codeNotice == texts.offlineCodeUnavailable && s.offlineNote == null && s.payload.startsWith("LOY1:"),
            "$name: the LOY1 code, with the notice '${s.codeNotice}'",
        )
        val file = File(out, "$name.png")
        times[name] = renderPng(file) { Member(texts, Tab.CARD, false) { m -> CardScreen(s, texts, {}, m) } }
        checkQrPixels(checks, file, s.qr!!)
        val read = zbar(zbarimg, file)
        if (!checks.check(read == listOf(s.payload), "$name: zbarimg reads exactly the LOY1 payload (${read.joinToString()})")) return
        val (status, answer) = Till(server).purchase(read[0], "r-fallback")
        checks.check(status == 201, "$name: the online till takes the fallback code (HTTP $status $answer)")
    }
    Files.deleteIfExists(keys.toPath())
}
