package app.loyalty.presentation

import app.loyalty.core.BadgeInfo
import app.loyalty.core.CardCodeFormat
import app.loyalty.core.CardNotice
import app.loyalty.core.CardView
import app.loyalty.core.ChallengeInfo
import app.loyalty.core.CouponInfo
import app.loyalty.core.CredentialStatus
import app.loyalty.core.Enrollment
import app.loyalty.core.HistoryEntry
import app.loyalty.core.HistoryPage
import app.loyalty.core.InboxMessage
import app.loyalty.core.LeaderboardInfo
import app.loyalty.core.LeaderboardMe
import app.loyalty.core.LeaderboardRow
import app.loyalty.core.Leaderboards
import app.loyalty.core.LinearBarcode
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.NoHandle
import app.loyalty.core.RewardInfo
import app.loyalty.core.SignOutReport
import app.loyalty.core.SyncReport
import app.loyalty.core.WalletSnapshot
import app.loyalty.core.errorCodes
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.time.ZoneId

/**
 * Runs the shared presentation vectors of tests/presentation/ (the same files
 * the iOS package's XCTest cases run) against the Kotlin presentation layer:
 * formatting, every text, every error code's message, the card screen and
 * its ticks, the wallet, challenges, badges, leaderboards, inbox and
 * onboarding states.
 * The screens are fed by a fake client that answers with the vector's core
 * records; everything else is the real code.
 */
class VectorsTest {
    // ------------------------------------------------------------------ format

    @Test
    fun format() =
        check("format.json") { root, report ->
            val zone = ZoneId.of(root.str("zone"))
            val now = root.long("nowMs")
            for (c in root.list("cases").map(::obj)) {
                val f = Format(lang(c.str("lang")), zone)
                val a = c.list("args")

                fun n(i: Int) = a[i] as Long
                val actual: String =
                    when (val fn = c.str("fn")) {
                        "number" -> f.number(n(0))
                        "money" -> f.money(n(0), a[1] as String)
                        "points" -> f.points(n(0))
                        "pointsDelta" -> f.pointsDelta(n(0))
                        "pointsWord" -> f.pointsWord(n(0))
                        "days" -> f.days(n(0))
                        "seconds" -> f.seconds(n(0))
                        "timeLeft" -> f.timeLeft(n(0))
                        "date" -> f.date(n(0), now)
                        "dateTime" -> f.dateTime(n(0), now)
                        "clock" -> f.clock(n(0), now)
                        "percent" -> f.percent(n(0))
                        "plural" -> f.plural(n(0)).name.lowercase()
                        else -> error("unknown format function $fn")
                    }
                report.eq(c, c.str("expect"), actual)
            }
        }

    // ------------------------------------------------------------------- texts

    @Test
    fun texts() =
        check("texts.json") { root, report ->
            val strings = obj(root["strings"])
            // Every fixed string of the catalogue is pinned, and nothing else.
            val getters =
                Texts::class.java.methods
                    .filter { it.parameterCount == 0 && it.returnType == String::class.java && it.name.startsWith("get") }
                    .associateBy { it.name.removePrefix("get").replaceFirstChar(Char::lowercase) }
            report.eq("the fixed strings the vectors pin", getters.keys.sorted(), strings.keys.sorted())
            for ((key, value) in strings) {
                val getter = getters[key] ?: continue
                for (lang in Lang.entries) {
                    report.eq("$key/${lang.name}", obj(value).str(lang.name.lowercase()), getter.invoke(Texts.of(lang)) as String)
                }
            }
            val calls = root.list("calls").map(::obj)
            val functions =
                Texts::class.java.methods
                    .filter { it.parameterCount > 0 }
                    .map { it.name }
                    .toSet()
            report.eq("the Texts functions the vectors call", functions.sorted(), calls.map { it.str("fn") }.toSet().sorted())
            for (c in calls) {
                for (lang in Lang.entries) {
                    report.eq(c, c.str(lang.name.lowercase()), call(Texts.of(lang), c.str("fn"), c.list("args")), lang.name)
                }
            }
        }

    private fun call(
        t: Texts,
        fn: String,
        a: List<Any?>,
    ): String {
        fun s(i: Int) = a[i] as String

        fun n(i: Int) = a[i] as Long
        return when (fn) {
            "codeChangesIn" -> t.codeChangesIn(n(0), s(1))
            "cardCodeDescription" -> t.cardCodeDescription(a[0] as Long?, a[1] as String?)
            "screenshotNote" -> t.screenshotNote(n(0), s(1))
            "cardNumberDescription" -> t.cardNumberDescription(s(0))
            "tierLine" -> t.tierLine(s(0))
            "toNextTier" -> t.toNextTier(s(0), s(1))
            "expiring" -> t.expiring(s(0), s(1))
            "debt" -> t.debt(s(0))
            "pendingActions" -> t.pendingActions(n(0))
            "couponPercent" -> t.couponPercent(s(0))
            "couponAmount" -> t.couponAmount(s(0))
            "validUntil" -> t.validUntil(s(0))
            "reachTierToGet" -> t.reachTierToGet(s(0))
            "nextDiscount" -> t.nextDiscount(s(0), s(1))
            "nextDiscountPlain" -> t.nextDiscountPlain(s(0))
            "discountSource" -> t.discountSource(s(0))
            "couponCategory" -> t.couponCategory(s(0))
            "couponSkus" -> t.couponSkus(s(0))
            "couponOneItemOfCategory" -> t.couponOneItemOfCategory(s(0))
            "couponOneItemOfSkus" -> t.couponOneItemOfSkus(s(0))
            "couponFrom" -> t.couponFrom(s(0))
            "couponScoped" -> t.couponScoped(s(0), s(1))
            "historyKind" -> t.historyKind(s(0))
            "tierName" -> t.tierName(s(0))
            "challengeStatus" -> t.challengeStatus(s(0))
            "progressOf" -> t.progressOf(s(0), s(1))
            "timeLeft" -> t.timeLeft(s(0))
            "rewardPoints" -> t.rewardPoints(s(0))
            "rewardCoupon" -> t.rewardCoupon(s(0), s(1))
            "rewardBadge" -> t.rewardBadge(s(0))
            "rewardCouponScoped" -> t.rewardCouponScoped(s(0), s(1), s(2))
            "completedTimes" -> t.completedTimes(n(0))
            "badgeLevel" -> t.badgeLevel(n(0), n(1))
            "badgeNext" -> t.badgeNext(s(0), s(1))
            "boardPeriod" -> t.boardPeriod(s(0))
            "boardUpdated" -> t.boardUpdated(s(0))
            "boardParticipants" -> t.boardParticipants(n(0), s(1))
            "boardPurchases" -> t.boardPurchases(n(0), s(1))
            "boardCompletions" -> t.boardCompletions(n(0), s(1))
            "boardMe" -> t.boardMe(s(0), s(1))
            "boardToPass" -> t.boardToPass(s(0), s(1))
            "boardToMoveUp" -> t.boardToMoveUp(s(0))
            "boardJoinedAs" -> t.boardJoinedAs(s(0))
            "boardPendingAs" -> t.boardPendingAs(s(0))
            "unread" -> t.unread(n(0))
            "expires" -> t.expires(s(0))
            "enrolled" -> t.enrolled(s(0))
            else -> error("unknown Texts function $fn")
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    fun errors() =
        check("errors.json") { root, report ->
            val messages = obj(root["messages"])
            // The vectors list exactly the codes the library says it can raise.
            report.eq("the error codes in errors.json and errorCodes()", errorCodes().sorted(), messages.keys.sorted())
            for ((code, texts) in messages) {
                for (lang in Lang.entries) {
                    report.eq("$code/${lang.name}", obj(texts).str(lang.name.lowercase()), ErrorTexts.message(code, lang))
                }
            }
            val unknown = root.str("unknownCode")
            for (lang in Lang.entries) {
                report.eq("fallback/${lang.name}", obj(root["fallback"]).str(lang.name.lowercase()), ErrorTexts.message(unknown, lang))
            }
        }

    // -------------------------------------------------------------------- card

    @Test
    fun card() =
        check("card.json") { root, report ->
            for (c in root.list("ticks").map(::obj)) {
                report.eq(c, c.long("nextTick"), CardScreenModel.nextTick(c.long("millisToRotation")))
            }
            for (c in root.list("schedules").map(::obj)) {
                // The model sleeps nextTick(ms), reads the card again and finds ms smaller by that much (or a new step).
                var ms = c.long("millisToRotation")
                var at = 0L
                val delays = mutableListOf<Long>()
                val instants = mutableListOf<Long>()
                repeat(c.list("delays").size) {
                    val d = CardScreenModel.nextTick(ms)
                    delays += d
                    at += d
                    instants += at
                    ms -= d
                    if (ms <= 0) ms += c.long("stepMs")
                }
                report.eq(c, c.list("delays"), delays)
                report.eq(c, c.list("instants"), instants)
                report.check(c, "a refresh lands on every rotation", instants.containsAll(c.list("rotationsAt")))
            }
            for (c in root.list("qr").map(::obj)) {
                val q = QrImage(c.int("side"), c.int("quietZone"), hex(c.str("bitsHex")))
                val rows = (0 until q.side).map { y -> (0 until q.side).joinToString("") { x -> if (q.isDark(x, y)) "#" else "." } }
                report.eq(c, c.list("rows"), rows)
                report.eq(c, c.long("fullSide"), q.fullSide.toLong())
                for (p in c.list("pixelsPerModule")) {
                    val pair = p as List<*>
                    report.eq("$c at ${pair[0]} px", pair[1], q.pixelsPerModule((pair[0] as Long).toInt()).toLong())
                }
            }
            for (c in root.list("screens").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    c.opt("error")?.let { client.failures["cardView"] = it as String }
                    c.opt("view")?.let { client.card = cardView(obj(it)) }
                    c.opt("barcode")?.let { client.barcode = barcode(obj(it)) }
                    c.opt("syncError")?.let { client.failures["sync"] = it as String }
                    val e = env(client, c)
                    val sync = SyncCoordinator(e)
                    if (c.opt("syncError") != null) sync.sync()
                    val model = CardScreenModel(e, sync)
                    model.reload()
                    if (c.opt("toggle") == true) model.toggleCode()
                    report.eq(c, obj(c["expect"]), cardState(model.state.value))
                }
            }
            for (c in root.list("window").map(::obj)) {
                val model = CardScreenModel(env(FakeClient(), mapOf("lang" to "en")))
                model.onVisible(c["visible"] as Boolean)
                val w = model.window.value
                report.eq(
                    c,
                    obj(c["expect"]),
                    mapOf(
                        "fullBrightness" to w.fullBrightness,
                        "keepScreenOn" to w.keepScreenOn,
                        "secure" to w.secure,
                    ),
                )
            }
        }

    private fun cardState(s: CardState): Map<String, Any?> =
        when (s) {
            is CardState.NoCard -> {
                mapOf("state" to "noCard", "message" to s.message)
            }

            is CardState.Failed -> {
                mapOf("state" to "failed", "message" to s.message)
            }

            CardState.Loading -> {
                mapOf("state" to "loading")
            }

            is CardState.Shown -> {
                mapOf(
                    "state" to "shown",
                    "kind" to s.kind.name.lowercase(),
                    "number" to s.number,
                    "numberDescription" to s.numberDescription,
                    "payload" to s.payload,
                    "countdown" to s.countdown,
                    "codeDescription" to s.codeDescription,
                    "screenshotNote" to s.screenshotNote,
                    "offlineNote" to s.offlineNote,
                    "codeNotice" to s.codeNotice,
                    "switchLabel" to s.switchLabel,
                    "canSwitch" to s.canSwitch,
                    "notice" to s.notice,
                    "clockWarning" to s.clockWarning,
                    "qrSide" to s.qr?.side?.toLong(),
                    "bars" to
                        s.bars?.let {
                            mapOf(
                                "widths" to it.widths.map(Int::toLong),
                                "quietZone" to it.quietZone.toLong(),
                                "text" to it.text,
                            )
                        },
                )
            }
        }

    // ------------------------------------------------------------------ wallet

    @Test
    fun wallet() =
        check("wallet.json") { root, report ->
            for (c in root.list("cases").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.snapshot = snapshot(obj(c["snapshot"]))
                    val e = env(client, c, root.long("nowMs"), ZoneId.of(root.str("zone")))
                    val model = WalletScreenModel(e, SyncCoordinator(e))
                    model.reload()
                    val s = model.state.value
                    report.eq(
                        c,
                        obj(c["expect"]),
                        mapOf(
                            "balance" to s.balance,
                            "tier" to s.tier?.let { mapOf("title" to it.title, "progress" to it.progress.toDouble(), "next" to it.next) },
                            "expiring" to s.expiring,
                            "debt" to s.debt,
                            "coupons" to s.coupons.map { mapOf("id" to it.id, "title" to it.title, "validUntil" to it.validUntil) },
                            "history" to
                                s.history.map {
                                    mapOf(
                                        "id" to it.id,
                                        "title" to it.title,
                                        "points" to it.points,
                                        "date" to it.date,
                                        "positive" to it.positive,
                                    )
                                },
                            "canLoadMore" to s.canLoadMore,
                            "pending" to s.pending,
                            "perks" to s.perks,
                            "nextPerksTitle" to s.nextPerksTitle,
                            "nextPerks" to s.nextPerks,
                            "nextDiscount" to s.nextDiscount,
                        ),
                    )
                }
            }
        }

    // ------------------------------------------------------------------- goals

    @Test
    fun goals() =
        check("goals.json") { root, report ->
            val now = root.long("nowMs")
            val zone = ZoneId.of(root.str("zone"))
            for (c in root.list("challenges").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.badgeList = c.list("badges").map { badge(obj(it)) }
                    client.challengeList = c.list("challenges").map { challenge(obj(it)) }
                    client.snapshot = client.snapshot.copy(currency = c.str("currency"))
                    val model = ChallengesScreenModel(env(client, c, now, zone))
                    model.reload()
                    val s = model.state.value
                    val lines =
                        s.challenges.map {
                            mapOf(
                                "id" to it.id,
                                "title" to it.title,
                                "status" to it.status,
                                "progress" to it.progress.toDouble(),
                                "progressText" to it.progressText,
                                "timeLeft" to it.timeLeft,
                                "reward" to it.reward,
                                "completions" to it.completions,
                                "canJoin" to it.canJoin,
                                "done" to it.done,
                            )
                        }
                    report.eq(c, obj(c["expect"]), mapOf("challenges" to lines, "empty" to s.empty))
                }
            }
            for (c in root.list("badges").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.badgeList = c.list("badges").map { badge(obj(it)) }
                    val model = BadgesScreenModel(env(client, c, now, zone))
                    model.reload()
                    val s = model.state.value
                    val tiles =
                        s.badges.map {
                            mapOf(
                                "id" to it.id,
                                "title" to it.title,
                                "level" to it.level,
                                "earned" to it.earned,
                                "progress" to it.progress.toDouble(),
                                "next" to it.next,
                                "earnedOn" to it.earnedOn,
                            )
                        }
                    report.eq(c, obj(c["expect"]), mapOf("badges" to tiles, "empty" to s.empty))
                }
            }
        }

    // ------------------------------------------------------------ leaderboards

    @Test
    fun leaderboards() =
        check("leaderboards.json") { root, report ->
            val now = root.long("nowMs")
            val zone = ZoneId.of(root.str("zone"))
            for (c in root.list("cases").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.boards = leaderboardsRecord(obj(c["leaderboards"]))
                    client.snapshot = client.snapshot.copy(currency = c.str("currency"))
                    val model = LeaderboardsScreenModel(env(client, c, now, zone))
                    model.reload()
                    val s = model.state.value
                    report.check(c, "loaded", !s.loading)
                    report.eq(c, obj(c["expect"]), leaderboardsMap(s))
                }
            }
            for (c in root.list("actions").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.boards = leaderboardsRecord(obj(c["leaderboards"]))
                    val action = c.str("action")
                    c.opt("error")?.let { client.failures[action] = it as String }
                    val model = LeaderboardsScreenModel(env(client, c, now, zone))
                    model.reload()
                    val result =
                        when (action) {
                            "join" -> model.join(c.str("name"))
                            "leave" -> model.leave().let { null }
                            else -> error("unknown action $action")
                        }
                    val s = model.state.value
                    report.eq(c, obj(c["expect"]), mapOf("result" to result, "joinError" to s.joinError, "notice" to s.notice))
                    // What the core was asked: the name exactly as typed (the core trims and checks it), or a leave.
                    report.eq(c, if (action == "join") listOf("join:" + c.str("name")) else listOf("leave"), client.boardCalls)
                }
            }
        }

    private fun leaderboardsMap(s: LeaderboardsState): Map<String, Any?> =
        mapOf(
            "membership" to s.membership,
            "canJoin" to s.canJoin,
            "canLeave" to s.canLeave,
            "pending" to s.pending,
            "myName" to s.myName,
            "boards" to
                s.boards.map { b ->
                    mapOf(
                        "id" to b.id,
                        "title" to b.title,
                        "period" to b.period,
                        "updated" to b.updated,
                        "participants" to b.participants,
                        "rows" to b.rows.map { mapOf("rank" to it.rank, "name" to it.name, "value" to it.value, "me" to it.me) },
                        "me" to b.me,
                        "toPass" to b.toPass,
                        "empty" to b.empty,
                    )
                },
            "empty" to s.empty,
            "notice" to s.notice,
            "joinError" to s.joinError,
        )

    // ------------------------------------------------------------------- inbox

    @Test
    fun inbox() =
        check("inbox.json") { root, report ->
            for (c in root.list("cases").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    client.messages = c.list("messages").map { message(obj(it)) }
                    client.unread = c.long("unreadCount")
                    val model = InboxScreenModel(env(client, c, root.long("nowMs"), ZoneId.of(root.str("zone"))))
                    model.reload()
                    val s = model.state.value
                    val lines =
                        s.messages.map {
                            mapOf(
                                "id" to it.id,
                                "title" to it.title,
                                "body" to it.body,
                                "date" to it.date,
                                "unread" to it.unread,
                                "pinned" to it.pinned,
                                "canActivate" to it.canActivate,
                                "activated" to it.activated,
                                "expires" to it.expires,
                                "deepLink" to it.deepLink,
                            )
                        }
                    report.eq(
                        c,
                        obj(c["expect"]),
                        mapOf("messages" to lines, "unreadCount" to s.unreadCount, "unreadText" to s.unreadText, "empty" to s.empty),
                    )
                }
            }
        }

    // -------------------------------------------------------------- onboarding

    @Test
    fun onboarding() =
        check("onboarding.json") { root, report ->
            for (c in root.list("cases").map(::obj)) {
                runBlocking {
                    val client = FakeClient()
                    if (c["hasCard"] != true) client.failures["cardView"] = "no_card"
                    c.opt("displayNumber")?.let { client.card = client.card.copy(displayNumber = it as String) }
                    c.opt("cardLast4")?.let { client.enrollment = Enrollment("m-1", it as String) }
                    val action = c.str("action")
                    c.opt("error")?.let { client.failures[action] = it as String }
                    var afterSignOut = 0L
                    val model = OnboardingModel(env(client, c)) { afterSignOut++ }
                    model.load()
                    when (action) {
                        "load" -> {}

                        "startDemo" -> {
                            model.startDemo()
                        }

                        "enroll" -> {
                            model.enroll()
                        }

                        "signOut" -> {
                            model.signOut()
                        }

                        else -> {
                            error("unknown action $action")
                        }
                    }
                    val state =
                        when (val s = model.state.value) {
                            is OnboardingState.Welcome -> {
                                mapOf(
                                    "state" to "welcome",
                                    "title" to s.title,
                                    "body" to s.body,
                                    "enroll" to s.enroll,
                                    "demo" to s.demo,
                                    "error" to s.error,
                                )
                            }

                            is OnboardingState.Ready -> {
                                mapOf("state" to "ready", "message" to s.message)
                            }

                            is OnboardingState.Working -> {
                                mapOf("state" to "working", "message" to s.message)
                            }
                        }
                    report.eq(
                        c,
                        obj(c["expect"]),
                        mapOf(
                            "root" to
                                model.root.value.name
                                    .lowercase(),
                            "state" to state,
                            "afterSignOut" to afterSignOut,
                        ),
                    )
                }
            }
        }

    // ------------------------------------------------------- records from JSON

    /** A card view; one without `format` and `notice` (written before LOY2) is a LOY1 code with no notice. */
    private fun cardView(o: Map<String, Any?>) =
        CardView(
            displayNumber = o.str("displayNumber"),
            payload = o.str("payload"),
            qrSide = o.long("qrSide").toUInt(),
            quietZone = o.long("quietZone").toUInt(),
            qrBits = hex(o.str("qrBitsHex")),
            secondsToRotation = o["secondsToRotation"] as Long?,
            millisToRotation = o["millisToRotation"] as Long?,
            secondsUntilRefused = o["secondsUntilRefused"] as Long?,
            format = (o["format"] as String?)?.let { CardCodeFormat.valueOf(it.uppercase()) } ?: CardCodeFormat.LOY1,
            // The core's snake_case names: credential_missing … signer_failed.
            notice = (o["notice"] as String?)?.let { CardNotice.valueOf(it.uppercase()) },
        )

    private fun barcode(o: Map<String, Any?>) =
        LinearBarcode(
            symbology = o.str("symbology"),
            text = o.str("text"),
            widths = hex(o.str("widthsHex")),
            quietZone = o.long("quietZone").toUInt(),
        )

    private fun snapshot(o: Map<String, Any?>) =
        WalletSnapshot(
            currency = o.str("currency"),
            balance = o.long("balance"),
            debt = o.long("debt"),
            lifetimeEarned = o.long("lifetimeEarned"),
            expiredTotal = o.long("expiredTotal"),
            qualifyingSpendMinor = o.long("qualifyingSpendMinor"),
            tier = o["tier"] as String?,
            nextTier = o["nextTier"] as String?,
            nextTierThresholdMinor = o["nextTierThresholdMinor"] as Long?,
            nextTierRemainingMinor = o["nextTierRemainingMinor"] as Long?,
            expiringPoints = o.long("expiringPoints"),
            expiringDays = o.long("expiringDays"),
            nextExpiryMs = o["nextExpiryMs"] as Long?,
            coupons =
                o.list("coupons").map(::obj).map {
                    CouponInfo(
                        it.str("id"),
                        it["percentHundredths"] as Long?,
                        it["amountOffMinor"] as Long?,
                        it.long("expiresAtMs"),
                        category = it["category"] as String?,
                        skus = (it["skus"] as List<*>?)?.map { sku -> sku as String } ?: emptyList(),
                        oneItem = it["oneItem"] as Boolean? ?: false,
                        minSpendMinor = it["minSpendMinor"] as Long?,
                    )
                },
            history =
                o.list("history").map(::obj).map {
                    HistoryEntry(it.long("id"), it.long("atMs"), it.str("kind"), it.long("points"), it["reference"] as String?)
                },
            pendingActions = o.long("pendingActions").toUInt(),
            tierPerks = (o["tierPerks"] as List<*>?)?.map { it as String } ?: emptyList(),
            nextTierPerks = (o["nextTierPerks"] as List<*>?)?.map { it as String } ?: emptyList(),
            nextDiscountPercentHundredths = o["nextDiscountPercentHundredths"] as Long?,
            nextDiscountSource = o["nextDiscountSource"] as String?,
        )

    private fun badge(o: Map<String, Any?>) =
        BadgeInfo(
            id = o.str("id"),
            title = o.str("title"),
            level = o.long("level").toUInt(),
            levels = o.long("levels").toUInt(),
            earnedAtMs = o["earnedAtMs"] as Long?,
            progress = o.long("progress"),
            nextThreshold = o["nextThreshold"] as Long?,
        )

    private fun challenge(o: Map<String, Any?>) =
        ChallengeInfo(
            id = o.str("id"),
            title = o.str("title"),
            status = o.str("status"),
            progress = o.long("progress"),
            target = o.long("target"),
            completions = o.long("completions"),
            secondsLeft = o["secondsLeft"] as Long?,
            reward = o["reward"] as String?,
            rewardInfo = o.opt("rewardInfo")?.let { rewardInfo(obj(it)) },
        )

    /** `{"points": {...}}`, `{"coupon": {...}}` or `{"badge": {...}}`: the case name and its fields. */
    private fun rewardInfo(o: Map<String, Any?>): RewardInfo {
        val (case, value) = o.entries.single()
        val v = obj(value)
        return when (case) {
            "points" -> RewardInfo.Points(v.long("points"))
            "coupon" -> couponReward(v)
            "badge" -> RewardInfo.Badge(v.str("badgeId"))
            else -> error("unknown reward case $case")
        }
    }

    private fun couponReward(v: Map<String, Any?>) =
        RewardInfo.Coupon(
            v["percentHundredths"] as Long?,
            v["amountOffMinor"] as Long?,
            v.long("validDays"),
            category = v["category"] as String?,
            skus = (v["skus"] as List<*>?)?.map { it as String } ?: emptyList(),
            oneItem = v["oneItem"] as Boolean? ?: false,
            minSpendMinor = v["minSpendMinor"] as Long?,
        )

    private fun leaderboardsRecord(o: Map<String, Any?>) =
        Leaderboards(
            myName = o["myName"] as String?,
            namePending = o["namePending"] as Boolean,
            boards =
                o.list("boards").map(::obj).map { b ->
                    LeaderboardInfo(
                        id = b.str("id"),
                        title = b.str("title"),
                        metric = b.str("metric"),
                        period = b.str("period"),
                        hasStanding = b["hasStanding"] as Boolean,
                        periodStartMs = b.long("periodStartMs"),
                        computedAtMs = b.long("computedAtMs"),
                        participants = b.long("participants").toUInt(),
                        top = b.list("top").map(::obj).map { LeaderboardRow(it.long("rank").toUInt(), it.str("name"), it.long("value")) },
                        me =
                            b.opt("me")?.let(::obj)?.let {
                                LeaderboardMe(it.long("rank").toUInt(), it.long("value"), it["toPassNext"] as Long?)
                            },
                    )
                },
        )

    private fun message(o: Map<String, Any?>) =
        InboxMessage(
            id = o.str("id"),
            kind = o.str("kind"),
            title = o.str("title"),
            body = o.str("body"),
            state = o.str("state"),
            pinned = o["pinned"] as Boolean,
            hasCoupon = o["hasCoupon"] as Boolean,
            activated = o["activated"] as Boolean,
            deepLink = o["deepLink"] as String?,
            imageUrl = o["imageUrl"] as String?,
            receivedAtMs = o.long("receivedAtMs"),
            expiresAtMs = o["expiresAtMs"] as Long?,
        )

    /** A client that answers with records from the vectors; `failures` names the calls that throw, with their code. */
    private class FakeClient : LoyaltyClient(NoHandle) {
        val failures = mutableMapOf<String, String>()
        var card =
            CardView("0000", "0000", 0u, 0u, ByteArray(0), null, null, null, CardCodeFormat.LOY1, null)
        var barcode = LinearBarcode("ean13", "0000", ByteArray(0), 0u)
        var snapshot =
            WalletSnapshot("RUB", 0, 0, 0, 0, 0, null, null, null, null, 0, 0, null, emptyList(), emptyList(), 0u)
        var badgeList = emptyList<BadgeInfo>()
        var challengeList = emptyList<ChallengeInfo>()
        var messages = emptyList<InboxMessage>()
        var unread = 0L
        var enrollment = Enrollment("m-1", "0000")
        var boards = Leaderboards(null, false, emptyList())

        /** The board calls made, in order: `join:<name>` and `leave`. */
        val boardCalls = mutableListOf<String>()

        private fun fail(call: String) {
            failures[call]?.let { throw LoyaltyException.Failure(it, "from the vectors") }
        }

        override fun cardView(): CardView = card.also { fail("cardView") }

        override fun cardBarcode(): LinearBarcode = barcode.also { fail("cardBarcode") }

        override fun walletSnapshot(
            expiringDays: UInt,
            historyLimit: UInt,
        ): WalletSnapshot = snapshot.also { fail("walletSnapshot") }

        override fun history(
            beforeId: Long?,
            limit: UInt,
        ): HistoryPage = HistoryPage(emptyList(), null)

        override fun badges(): List<BadgeInfo> = badgeList.also { fail("badges") }

        override fun challenges(): List<ChallengeInfo> = challengeList.also { fail("challenges") }

        override fun inbox(includeHidden: Boolean): List<InboxMessage> = messages.also { fail("inbox") }

        override fun unreadCount(): UInt = unread.toUInt()

        override fun leaderboards(): Leaderboards = boards.also { fail("leaderboards") }

        override fun joinLeaderboard(name: String): String {
            boardCalls += "join:$name"
            fail("join")
            return name.trim()
        }

        override fun leaveLeaderboard() {
            boardCalls += "leave"
            fail("leave")
        }

        override fun startDemo() {
            fail("startDemo")
            failures.remove("cardView")
        }

        override suspend fun enroll(): Enrollment = enrollment.also { fail("enroll") }

        override suspend fun signOut(): SignOutReport = SignOutReport(null, 0u).also { fail("signOut") }

        override suspend fun sync(): SyncReport =
            SyncReport(0u, 0u, 0u, 0u, emptyList(), false, CredentialStatus.NotUsed).also { fail("sync") }
    }

    private fun env(
        client: LoyaltyClient,
        case: Map<String, Any?>,
        nowMs: Long = 0,
        zone: ZoneId = ZoneId.of("Europe/Moscow"),
    ) = Env(client, Format(lang(case.str("lang")), zone), Dispatchers.Unconfined) { nowMs }

    // ----------------------------------------------------------- the harness

    /** Collects every mismatch of one file, so one run shows them all. */
    private class Report(
        private val file: String,
    ) {
        val failures = mutableListOf<String>()
        var checked = 0

        fun eq(
            what: Any?,
            expected: Any?,
            actual: Any?,
            note: String = "",
        ) {
            checked++
            if (!same(expected, actual)) {
                failures +=
                    "$file: ${brief(what)} $note\n    expected: ${show(expected)}\n    actual:   ${show(actual)}"
            }
        }

        fun check(
            what: Any?,
            claim: String,
            ok: Boolean,
        ) {
            checked++
            if (!ok) failures += "$file: ${brief(what)}: $claim"
        }

        private fun brief(v: Any?): String = v.toString().let { if (it.length > 240) it.take(240) + "…" else it }

        private fun show(v: Any?): String = v.toString().replace("\u00A0", "⍽").replace("\u2212", "−(U+2212)")

        private fun same(
            e: Any?,
            a: Any?,
        ): Boolean =
            when {
                e is Map<*, *> && a is Map<*, *> -> {
                    e.keys == a.keys && e.keys.all { same(e[it], a[it]) }
                }

                e is List<*> && a is List<*> -> {
                    e.size == a.size && e.indices.all { same(e[it], a[it]) }
                }

                e is Number && a is Number && (e is Double || a is Double || a is Float) -> {
                    kotlin.math.abs(e.toDouble() - a.toDouble()) < 1e-6
                }

                e is Number && a is Number -> {
                    e.toLong() == a.toLong()
                }

                else -> {
                    e == a
                }
            }
    }

    private fun check(
        file: String,
        body: (Map<String, Any?>, Report) -> Unit,
    ) {
        val root = obj(Json(File(vectorsDir(), file).readText()).parse())
        val report = Report(file)
        body(root, report)
        if (report.failures.isNotEmpty()) {
            fail("${report.failures.size} of ${report.checked} checks failed:\n" + report.failures.joinToString("\n"))
        }
        assertTrue("$file checked nothing", report.checked > 0)
        println("$file: ${report.checked} checks passed")
    }

    private fun vectorsDir(): File {
        System.getProperty("loyalty.vectors")?.let { return File(it) }
        var dir: File? = File("").absoluteFile
        while (dir != null) {
            val candidate = File(dir, "tests/presentation")
            if (File(candidate, "format.json").isFile) return candidate
            dir = dir.parentFile
        }
        error("tests/presentation not found above ${File("").absolutePath} (set -Dloyalty.vectors)")
    }

    private fun lang(code: String) =
        when (code) {
            "ru" -> Lang.RU
            "en" -> Lang.EN
            else -> error("unknown language $code")
        }

    private fun hex(s: String) = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

    @Suppress("UNCHECKED_CAST")
    private fun obj(v: Any?) = v as Map<String, Any?>

    private fun Map<String, Any?>.str(k: String) = this[k] as? String ?: error("$k is not a string in $this")

    private fun Map<String, Any?>.long(k: String) = this[k] as? Long ?: error("$k is not an integer in $this")

    private fun Map<String, Any?>.int(k: String) = long(k).toInt()

    private fun Map<String, Any?>.list(k: String) = this[k] as? List<*> ?: error("$k is not a list in $this")

    private fun Map<String, Any?>.opt(k: String) = this[k]

    @Test
    fun theJsonReaderReadsWhatTheVectorsUse() {
        val v = Json("""{"a": [1, -9223372036854775808, 2.5, "x\u00a0\"y\"\\", true, false, null], "b": {}}""").parse()
        assertEquals(mapOf("a" to listOf(1L, Long.MIN_VALUE, 2.5, "x\u00A0\"y\"\\", true, false, null), "b" to emptyMap<String, Any?>()), v)
        for (bad in listOf("{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "[1] 2", "{\"a\": 1, \"a\": 2}")) {
            try {
                Json(bad).parse()
                fail("accepted $bad")
            } catch (e: IllegalArgumentException) {
                // refused, as it should be
            }
        }
    }
}

/**
 * A small strict JSON reader for the vector files: objects (as insertion-
 * ordered maps, a repeated key refused), arrays, strings with every escape,
 * integers as Long (exact to the 64-bit limits), other numbers as Double.
 */
private class Json(
    private val s: String,
) {
    private var i = 0

    fun parse(): Any? {
        val v = value()
        space()
        require(i == s.length) { "trailing text at $i" }
        return v
    }

    private fun space() {
        while (i < s.length && s[i] in " \t\r\n") i++
    }

    private fun value(): Any? {
        space()
        require(i < s.length) { "unexpected end" }
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> num()
        }
    }

    private fun word(
        w: String,
        v: Any?,
    ): Any? {
        require(s.startsWith(w, i)) { "bad literal at $i" }
        i += w.length
        return v
    }

    private fun obj(): Map<String, Any?> {
        val m = LinkedHashMap<String, Any?>()
        i++
        space()
        if (s.getOrNull(i) == '}') return m.also { i++ }
        while (true) {
            space()
            require(s.getOrNull(i) == '"') { "key expected at $i" }
            val k = str()
            space()
            require(s.getOrNull(i) == ':') { "':' expected at $i" }
            i++
            require(!m.containsKey(k)) { "repeated key $k" }
            m[k] = value()
            space()
            when (s.getOrNull(i)) {
                ',' -> i++
                '}' -> return m.also { i++ }
                else -> throw IllegalArgumentException("',' or '}' expected at $i")
            }
        }
    }

    private fun arr(): List<Any?> {
        val l = ArrayList<Any?>()
        i++
        space()
        if (s.getOrNull(i) == ']') return l.also { i++ }
        while (true) {
            l += value()
            space()
            when (s.getOrNull(i)) {
                ',' -> i++
                ']' -> return l.also { i++ }
                else -> throw IllegalArgumentException("',' or ']' expected at $i")
            }
        }
    }

    private fun str(): String {
        val b = StringBuilder()
        i++
        while (true) {
            require(i < s.length) { "unterminated string" }
            val c = s[i++]
            when {
                c == '"' -> {
                    return b.toString()
                }

                c == '\\' -> {
                    require(i < s.length) { "unterminated escape" }
                    when (val e = s[i++]) {
                        '"', '\\', '/' -> {
                            b.append(e)
                        }

                        'b' -> {
                            b.append('\b')
                        }

                        'f' -> {
                            b.append('\u000C')
                        }

                        'n' -> {
                            b.append('\n')
                        }

                        'r' -> {
                            b.append('\r')
                        }

                        't' -> {
                            b.append('\t')
                        }

                        'u' -> {
                            require(i + 4 <= s.length) { "short \\u escape" }
                            b.append(s.substring(i, i + 4).toInt(16).toChar())
                            i += 4
                        }

                        else -> {
                            throw IllegalArgumentException("bad escape \\$e")
                        }
                    }
                }

                c < ' ' -> {
                    throw IllegalArgumentException("control character in a string at $i")
                }

                else -> {
                    b.append(c)
                }
            }
        }
    }

    private fun num(): Any {
        val m = Regex("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?").matchAt(s, i) ?: throw IllegalArgumentException("bad value at $i")
        i += m.value.length
        require(i >= s.length || s[i] !in "0123456789") { "bad number at $i" }
        return if (m.groups[2] == null && m.groups[3] == null) m.value.toLong() else m.value.toDouble()
    }
}
