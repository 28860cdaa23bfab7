// Desktop-only driver (scripts/render-screens.sh): renders every screen of
// the demo wallet (the leaderboards from a fixed record: the demo program has
// no boards) headless to PNG with ImageComposeScene, in the light and
// dark theme, Russian and English, and the card at font scale 2.0 on a
// 360×640 dp screen; checks the code's pixels and reads it back with zbar;
// then enrolls with the dev server, renders that member's card and has the
// till take its code once (and refuse it when replayed); and with a LOY2
// server, the device-signed card and its LOY1 fallback (Loy2Cards.kt).
package app.loyalty.ui.render

import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Density
import app.loyalty.core.ClientConfig
import app.loyalty.core.Clock
import app.loyalty.core.LeaderboardInfo
import app.loyalty.core.LeaderboardMe
import app.loyalty.core.LeaderboardRow
import app.loyalty.core.Leaderboards
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.MemorySecretStore
import app.loyalty.core.SecretStore
import app.loyalty.presentation.BadgesState
import app.loyalty.presentation.CardScreenModel
import app.loyalty.presentation.CardState
import app.loyalty.presentation.ChallengesState
import app.loyalty.presentation.Env
import app.loyalty.presentation.ErrorTexts
import app.loyalty.presentation.Format
import app.loyalty.presentation.InboxState
import app.loyalty.presentation.Lang
import app.loyalty.presentation.LeaderboardsState
import app.loyalty.presentation.OnboardingState
import app.loyalty.presentation.Texts
import app.loyalty.presentation.WalletState
import app.loyalty.presentation.leaderboardsState
import app.loyalty.ui.AppModels
import app.loyalty.ui.BadgesScreen
import app.loyalty.ui.CardScreen
import app.loyalty.ui.ChallengesScreen
import app.loyalty.ui.InboxScreen
import app.loyalty.ui.LeaderboardsScreen
import app.loyalty.ui.LoyaltyTheme
import app.loyalty.ui.MemberScaffold
import app.loyalty.ui.OnboardingScreen
import app.loyalty.ui.Tab
import app.loyalty.ui.WalletScreen
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.jetbrains.skia.EncodedImageFormat
import java.io.File
import java.nio.file.Files
import java.time.Instant
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap
import kotlin.system.exitProcess

/** The phone the screenshots are taken on: 360 × 760 dp at density 2 (720 × 1520 px). */
const val PHONE_W_DP = 360
const val PHONE_H_DP = 760

/** The small phone of the font-scale check: 360 × 640 dp. */
const val SMALL_H_DP = 640
const val DENSITY = 2f

/** 2026-12-01T10:00:21Z, 9 s before a 30 s code step ends: the screenshots' instant. */
val SHOT_MS: Long = Instant.parse("2026-12-01T10:00:21Z").toEpochMilli()

private val ZONE: ZoneId = ZoneId.of("Europe/Moscow")

/** A clock that stands still, so the screenshots are the same on every run. */
class FixedClock(
    private val ms: Long,
) : Clock {
    override fun nowMs(): Long = ms
}

/**
 * The demo's card secret is random on every `startDemo()`, so its code would
 * differ from run to run; this store keeps a fixed card secret instead
 * (whatever the core puts), so the screenshots are the same bytes on every
 * run. Everything else is kept as given, like `MemorySecretStore`.
 */
class FixedCardSecretStore : SecretStore {
    private val map = ConcurrentHashMap<String, ByteArray>()

    override fun get(key: String): ByteArray? = map[key]

    override fun put(
        key: String,
        secret: ByteArray,
    ) {
        map[key] = if (key == CARD_SECRET_KEY) FIXED_CARD_SECRET.copyOf() else secret
    }

    override fun delete(key: String) {
        map.remove(key)
    }

    companion object {
        /** The key the core keeps the card secret under. */
        const val CARD_SECRET_KEY = "card_secret"

        /** 20 bytes, like the core's own secrets. */
        val FIXED_CARD_SECRET: ByteArray = "render-screens-demo!".encodeToByteArray()
    }
}

/** Renders [content] headless into [file]; returns the milliseconds taken (scene, two frames, PNG). */
fun renderPng(
    file: File,
    heightDp: Int = PHONE_H_DP,
    fontScale: Float = 1f,
    content: @Composable () -> Unit,
): Long {
    val t0 = System.nanoTime()
    val scene =
        ImageComposeScene(
            width = (PHONE_W_DP * DENSITY).toInt(),
            height = (heightDp * DENSITY).toInt(),
            density = Density(DENSITY, fontScale),
            content = content,
        )
    try {
        scene.render(0L)
        // A later frame, after first-frame effects and layout passes have settled.
        val image = scene.render(1_000_000_000L)
        val png = image.encodeToData(EncodedImageFormat.PNG) ?: error("PNG encoding failed")
        file.writeBytes(png.bytes)
    } finally {
        scene.close()
    }
    return (System.nanoTime() - t0) / 1_000_000
}

/** Every screen's state for the demo wallet at [SHOT_MS], in one language. */
class DemoStates(
    val lang: Lang,
    val texts: Texts,
    val card: CardState.Shown,
    val bars: CardState.Shown,
    val wallet: WalletState,
    val challenges: ChallengesState,
    val badges: BadgesState,
    val inbox: InboxState,
    val welcome: OnboardingState.Welcome,
    /** `cardView().payload` at that instant, straight from the client. */
    val payload: String,
)

fun demoStates(
    client: LoyaltyClient,
    lang: Lang,
): DemoStates =
    runBlocking {
        val env = Env(client, Format(lang, ZONE), Dispatchers.Unconfined, nowMs = { SHOT_MS })
        val models = AppModels(env)
        models.card.reload()
        val card = models.card.state.value as CardState.Shown
        models.card.toggleCode()
        val bars = models.card.state.value as CardState.Shown
        listOf(models.wallet, models.challenges, models.badges, models.inbox).forEach { it.reload() }
        DemoStates(
            lang = lang,
            texts = env.texts,
            card = card,
            bars = bars,
            wallet = models.wallet.state.value,
            challenges = models.challenges.state.value,
            badges = models.badges.state.value,
            inbox = models.inbox.state.value,
            welcome = models.onboarding.state.value as OnboardingState.Welcome,
            payload = client.cardView().payload,
        )
    }

/** The member's frame around one tab's content, as LoyaltyApp draws it ([title]: a screen opened from the tab). */
@Composable
fun Member(
    texts: Texts,
    tab: Tab,
    dark: Boolean,
    inbox: InboxState = InboxState(),
    title: String? = null,
    content: @Composable (Modifier) -> Unit,
) {
    LoyaltyTheme(dark) {
        MemberScaffold(texts, tab, {}, inbox.unreadCount, inbox.unreadText, title = title) { padding -> content(Modifier.padding(padding)) }
    }
}

/**
 * The leaderboards screen at [SHOT_MS] for a member who joined as "Anna K."
 * ([joined]) or has not joined: the demo program has no boards, so this is a
 * fixed record of the core's shape (ties at 2, my row, the rank to pass, a
 * rank below the list), turned into the screen's state by the app's own
 * [leaderboardsState]. Board titles are the program's own texts, here in
 * the shopper's language.
 */
fun boardsState(
    lang: Lang,
    joined: Boolean,
): LeaderboardsState {
    val ru = lang == Lang.RU
    val computed = SHOT_MS - 55 * 60_000L
    val weekStart = Instant.parse("2026-11-29T21:00:00Z").toEpochMilli()
    val monthStart = Instant.parse("2026-11-30T21:00:00Z").toEpochMilli()
    val me = "Anna K."

    fun board(
        id: String,
        title: String,
        metric: String,
        period: String,
        start: Long,
        participants: Int,
        top: List<LeaderboardRow>,
        mine: LeaderboardMe?,
    ) = LeaderboardInfo(id, title, metric, period, true, start, computed, participants.toUInt(), top, mine.takeIf { joined })
    val record =
        Leaderboards(
            myName = me.takeIf { joined },
            namePending = false,
            boards =
                listOf(
                    board(
                        "week",
                        if (ru) "Баллы за неделю" else "Points this week",
                        "points_earned",
                        "week",
                        weekStart,
                        14,
                        listOf(
                            LeaderboardRow(1u, "Boris", 1520),
                            LeaderboardRow(2u, me, 1240),
                            LeaderboardRow(2u, "Vera", 1240),
                            LeaderboardRow(4u, "Gleb_77", 981),
                            LeaderboardRow(5u, "Dina", 610),
                        ),
                        LeaderboardMe(2u, 1240, 281),
                    ),
                    board(
                        "spenders",
                        if (ru) "Больше всех потратили" else "Top spenders",
                        "spend",
                        "month",
                        monthStart,
                        23,
                        listOf(
                            LeaderboardRow(1u, "Dina", 1_254_000),
                            LeaderboardRow(2u, "Boris", 980_050),
                            LeaderboardRow(3u, "Vera", 512_000),
                        ),
                        LeaderboardMe(7u, 154_050, 21_000),
                    ),
                    board("buyers", if (ru) "Больше всех покупок" else "Most purchases", "purchases", "all_time", 0, 0, emptyList(), null),
                ),
        )
    return leaderboardsState(record, "RUB", Format(lang, ZONE), Texts.of(lang), SHOT_MS)
}

@Composable
fun Onboarding(
    state: OnboardingState,
    dark: Boolean,
) {
    LoyaltyTheme(dark) {
        Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) { OnboardingScreen(state, {}, {}) }
    }
}

private class Options(
    val out: File,
    val server: String?,
    val zbarimg: String,
    /** A dev server with a LOY2 program, and the `loyalty` CLI (its offline till). */
    val serverLoy2: String?,
    val loyalty: String?,
)

private fun options(args: Array<String>): Options {
    var out = File("screenshots")
    var server: String? = null
    var zbarimg = "zbarimg"
    var serverLoy2: String? = null
    var loyalty: String? = null
    var i = 0
    while (i < args.size) {
        when (args[i]) {
            "--out" -> out = File(args[++i])
            "--server" -> server = args[++i]
            "--zbarimg" -> zbarimg = args[++i]
            "--server-loy2" -> serverLoy2 = args[++i]
            "--loyalty" -> loyalty = args[++i]
            else -> error("unknown argument ${args[i]}")
        }
        i++
    }
    return Options(out, server, zbarimg, serverLoy2, loyalty)
}

fun main(args: Array<String>) {
    val opts = options(args)
    opts.out.mkdirs()
    val checks = Checks()
    val times = linkedMapOf<String, Long>()
    val dataDirs = mutableListOf<File>()

    fun tempDir(prefix: String) = Files.createTempDirectory(prefix).toFile().also { dataDirs += it }

    fun shot(
        name: String,
        heightDp: Int = PHONE_H_DP,
        fontScale: Float = 1f,
        content: @Composable () -> Unit,
    ): File {
        val file = File(opts.out, "$name.png")
        times[name] = renderPng(file, heightDp, fontScale, content)
        return file
    }

    try {
        val config =
            ClientConfig(dataDir = tempDir("loyalty-ui-demo").path, secretStore = FixedCardSecretStore(), clock = FixedClock(SHOT_MS))
        LoyaltyClient(config).use { client ->
            client.startDemo()
            for (lang in listOf(Lang.RU, Lang.EN)) {
                val s = demoStates(client, lang)
                val l = lang.name.lowercase()
                checks.check(s.card.payload == s.payload, "$l: the card state's payload is cardView().payload")
                for (dark in listOf(false, true)) {
                    val v = (if (dark) "dark-" else "light-") + l
                    val card = shot("card-$v") { Member(s.texts, Tab.CARD, dark, s.inbox) { m -> CardScreen(s.card, s.texts, {}, m) } }
                    val small =
                        shot(
                            "card-fontscale2-$v",
                            SMALL_H_DP,
                            2f,
                        ) { Member(s.texts, Tab.CARD, dark, s.inbox) { m -> CardScreen(s.card, s.texts, {}, m) } }
                    val bars =
                        shot("card-barcode-$v") { Member(s.texts, Tab.CARD, dark, s.inbox) { m -> CardScreen(s.bars, s.texts, {}, m) } }
                    shot("wallet-$v") { Member(s.texts, Tab.WALLET, dark, s.inbox) { m -> WalletScreen(s.wallet, s.texts, {}, {}, m) } }
                    shot("challenges-$v") {
                        Member(s.texts, Tab.CHALLENGES, dark, s.inbox) { m ->
                            ChallengesScreen(s.challenges, s.texts, {}, m, onLeaderboards = {})
                        }
                    }
                    shot("badges-$v") { Member(s.texts, Tab.BADGES, dark, s.inbox) { m -> BadgesScreen(s.badges, m) } }
                    shot("inbox-$v") { Member(s.texts, Tab.INBOX, dark, s.inbox) { m -> InboxScreen(s.inbox, s.texts, {}, {}, {}, m) } }
                    val boards = boardsState(lang, joined = true)
                    shot("leaderboards-$v") {
                        Member(s.texts, Tab.CHALLENGES, dark, s.inbox, title = s.texts.leaderboards) { m ->
                            LeaderboardsScreen(boards, s.texts, {}, {}, {}, {}, m)
                        }
                    }
                    shot("onboarding-$v") { Onboarding(s.welcome, dark) }

                    val qr = requireNotNull(s.card.qr) { "the demo card shows a QR code" }
                    val ppm = checkQrPixels(checks, card, qr)
                    val ppmSmall = checkQrPixels(checks, small, qr)
                    checks.check(
                        ppmSmall == ppm && ppm >= 2,
                        "${small.name}: at font scale 2.0 on 360×640 dp the code keeps its size ($ppmSmall px per module, $ppm at 1.0)",
                    )
                    for (f in listOf(card, small)) {
                        val read = zbar(opts.zbarimg, f)
                        checks.check(
                            read == listOf(s.payload),
                            "${f.name}: zbarimg reads exactly cardView().payload (${read.joinToString()})",
                        )
                    }
                    val linear = requireNotNull(s.bars.bars) { "the switched card shows a linear barcode" }
                    checkBarsPixels(checks, bars, linear)
                    val readBars = zbar(opts.zbarimg, bars)
                    checks.check(
                        readBars == listOf(linear.text),
                        "${bars.name}: zbarimg reads the barcode's text ${linear.text} (${readBars.joinToString()})",
                    )
                }
                val welcome = s.welcome
                shot("onboarding-error-light-$l") { Onboarding(welcome.copy(error = ErrorTexts.message("network", lang)), false) }
                shot("onboarding-working-light-$l") { Onboarding(OnboardingState.Working(s.texts.enrolling), false) }
                // Not joined, the name field open with a name the core refused, and its message.
                val refused = boardsState(lang, joined = false).copy(joinError = ErrorTexts.message("invalid_display_name", lang))
                shot("leaderboards-join-light-$l") {
                    Member(s.texts, Tab.CHALLENGES, false, s.inbox, title = s.texts.leaderboards) { m ->
                        LeaderboardsScreen(refused, s.texts, {}, {}, {}, {}, m, initialName = "A")
                    }
                }
            }
            // The same state renders to the same bytes: the committed screenshots are reproducible.
            val s = demoStates(client, Lang.RU)
            val again = File(opts.out, "card-light-ru.again.png")
            val warm =
                (1..5).map {
                    renderPng(
                        again,
                    ) { Member(s.texts, Tab.CARD, false, s.inbox) { m -> CardScreen(s.card, s.texts, {}, m) } }
                }
            checks.check(
                again.readBytes().contentEquals(File(opts.out, "card-light-ru.png").readBytes()),
                "card-light-ru.png renders to the same bytes again",
            )
            again.delete()
            times["card-light-ru (warm, median of 5)"] = warm.sorted()[2]
        }
        opts.server?.let { tillRoundTrip(it, opts, checks, ::tempDir, times) }
        if (opts.serverLoy2 != null && opts.loyalty != null) {
            loy2Cards(opts.serverLoy2, opts.loyalty, opts.out, opts.zbarimg, checks, ::tempDir, times)
        }
    } finally {
        dataDirs.forEach { it.deleteRecursively() }
    }

    println()
    println("headless render times (ms; scene + 2 frames + PNG, 720 px wide):")
    times.forEach { (name, ms) -> println("  %-42s %5d".format(name, ms)) }
    println("card screen: first render in this JVM ${times["card-light-ru"]} ms, warm ${times["card-light-ru (warm, median of 5)"]} ms")
    println()
    println(
        if (checks.failed ==
            0
        ) {
            "${checks.passed} checks passed"
        } else {
            "FAILED: ${checks.failed} of ${checks.passed + checks.failed} checks"
        },
    )
    exitProcess(if (checks.failed == 0) 0 else 1)
}

/**
 * A member the dev server knows: enroll, render the card with the real
 * clock, read it with zbar, and present what zbar read at the till: taken
 * once (201), refused when replayed with another receipt (422 token_replayed).
 */
private fun tillRoundTrip(
    server: String,
    opts: Options,
    checks: Checks,
    tempDir: (String) -> File,
    times: MutableMap<String, Long>,
) {
    val config = ClientConfig(dataDir = tempDir("loyalty-ui-till").path, serverUrl = server, secretStore = MemorySecretStore())
    LoyaltyClient(config).use { client ->
        val env = Env(client, Format(Lang.RU, ZONE), Dispatchers.IO)
        val card =
            runBlocking {
                client.enroll()
                client.sync()
                CardScreenModel(env).also { it.reload() }.state.value
            }
        if (!checks.check(
                card is CardState.Shown && card.qr != null,
                "till: the enrolled member's card shows a QR code (${card::class.simpleName})",
            )
        ) {
            return
        }
        card as CardState.Shown
        val file = File(opts.out, "card-till-light-ru.png")
        times["card-till-light-ru (real clock)"] =
            renderPng(file) { Member(env.texts, Tab.CARD, false) { m -> CardScreen(card, env.texts, {}, m) } }
        checkQrPixels(checks, file, card.qr!!)
        val read = zbar(opts.zbarimg, file)
        if (!checks.check(
                read.size == 1 && read[0] == card.payload,
                "till: zbarimg reads exactly the member's payload (${read.joinToString()})",
            )
        ) {
            return
        }
        val till = Till(server)
        val (first, answer) = till.purchase(read[0], "r1")
        checks.check(first == 201, "till: the scanned code is taken (HTTP $first $answer)")
        val (again, refusal) = till.purchase(read[0], "r2")
        checks.check(
            again == 422 && Regex("\"code\"\\s*:\\s*\"token_replayed\"").containsMatchIn(refusal),
            "till: the same code with another receipt is refused (HTTP $again $refusal)",
        )
    }
}
