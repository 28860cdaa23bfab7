// Runs the shared presentation vectors of tests/presentation/ — the same
// files VectorsTest.kt runs on the JVM — against LoyaltyPresentation:
// formatting, every text, every error code's message, the card and its
// ticks, the wallet, challenges, badges, leaderboards, inbox and onboarding. The screens
// are fed by a fake client answering with the vector's core records.
// macOS only (`swift test` after ./build-xcframework.sh).
import Foundation
import LoyaltyCore
@testable import LoyaltyPresentation
import XCTest

/// tests/presentation/ of this checkout (or $LOYALTY_VECTORS).
private func vectors(_ name: String) throws -> JSON {
    let dir: URL
    if let env = ProcessInfo.processInfo.environment["LOYALTY_VECTORS"] {
        dir = URL(fileURLWithPath: env)
    } else {
        dir = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/presentation")
    }
    return try JSON.load(dir.appendingPathComponent(name))
}

private func lang(_ v: JSON) -> Lang {
    v.string == "ru" ? .ru : .en
}

private let moscow = TimeZone(identifier: "Europe/Moscow")!

/// Collects the mismatches of one file, so that one run shows them all.
private final class Report {
    let file: String
    var failures: [String] = []
    var checked = 0

    init(_ file: String) {
        self.file = file
    }

    func eq(_ what: String, _ expected: JSON, _ actual: JSON) {
        checked += 1
        if !expected.same(actual) {
            failures.append("\(file): \(what.prefix(240))\n    expected: \(expected)\n    actual:   \(actual)")
        }
    }

    func finish() {
        XCTAssertGreaterThan(checked, 0, "\(file) checked nothing")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(checked) checks failed:\n" + failures.joined(separator: "\n"))
    }
}

/// A client that answers with records from the vectors; `failures` names the calls that throw, with their code.
final class FakeClient: LoyaltyClient, @unchecked Sendable {
    var failures: [String: String] = [:]
    var card = CardView(displayNumber: "0000", payload: "0000", qrSide: 0, quietZone: 0, qrBits: Data(),
                        secondsToRotation: nil, millisToRotation: nil, secondsUntilRefused: nil, format: .loy1, notice: nil)
    var barcode = LinearBarcode(symbology: "ean13", text: "0000", widths: Data(), quietZone: 0)
    var snapshot = WalletSnapshot(currency: "RUB", balance: 0, debt: 0, lifetimeEarned: 0, expiredTotal: 0, qualifyingSpendMinor: 0,
                                  tier: nil, nextTier: nil, nextTierThresholdMinor: nil, nextTierRemainingMinor: nil,
                                  expiringPoints: 0, expiringDays: 0, nextExpiryMs: nil, coupons: [], history: [], pendingActions: 0)
    var badgeList: [BadgeInfo] = []
    var challengeList: [ChallengeInfo] = []
    var messages: [InboxMessage] = []
    var unread: UInt32 = 0
    var enrollment = Enrollment(memberId: "m-1", cardLast4: "0000")
    var boards = Leaderboards(myName: nil, namePending: false, boards: [])
    /// The board calls made, in order: `join:<name>` and `leave`.
    var boardCalls: [String] = []

    init() {
        super.init(noHandle: LoyaltyClient.NoHandle())
    }

    required init(unsafeFromHandle handle: UInt64) {
        super.init(unsafeFromHandle: handle)
    }

    private func fail(_ call: String) throws {
        if let code = failures[call] {
            throw LoyaltyError.Failure(code: code, reason: "from the vectors")
        }
    }

    override func cardView() throws -> CardView {
        try fail("cardView")
        return card
    }

    override func cardBarcode() throws -> LinearBarcode {
        try fail("cardBarcode")
        return barcode
    }

    override func walletSnapshot(expiringDays: UInt32, historyLimit: UInt32) throws -> WalletSnapshot {
        try fail("walletSnapshot")
        return snapshot
    }

    override func history(beforeId: Int64?, limit: UInt32) throws -> HistoryPage {
        HistoryPage(entries: [], nextBeforeId: nil)
    }

    override func badges() throws -> [BadgeInfo] {
        try fail("badges")
        return badgeList
    }

    override func challenges() throws -> [ChallengeInfo] {
        try fail("challenges")
        return challengeList
    }

    override func inbox(includeHidden: Bool) throws -> [InboxMessage] {
        try fail("inbox")
        return messages
    }

    override func unreadCount() throws -> UInt32 {
        unread
    }

    override func leaderboards() throws -> Leaderboards {
        try fail("leaderboards")
        return boards
    }

    override func joinLeaderboard(name: String) throws -> String {
        boardCalls.append("join:" + name)
        try fail("join")
        return name.trimmingCharacters(in: .whitespaces)
    }

    override func leaveLeaderboard() throws {
        boardCalls.append("leave")
        try fail("leave")
    }

    override func startDemo() throws {
        try fail("startDemo")
        failures["cardView"] = nil
    }

    override func enroll() async throws -> Enrollment {
        try fail("enroll")
        return enrollment
    }

    override func signOut() async throws -> SignOutReport {
        try fail("signOut")
        return SignOutReport(lastSyncError: nil, unsentActionsDropped: 0)
    }

    override func sync() async throws -> SyncReport {
        try fail("sync")
        return SyncReport(actionsSent: 0, actionsRejected: 0, eventsApplied: 0, messages: 0, mismatches: [], programUpdated: false,
                          credential: .notUsed)
    }
}

// MARK: - Records from JSON

/// A card view; one without `format` and `notice` (written before LOY2) is a LOY1 code with no notice.
private func cardView(_ o: JSON) -> CardView {
    CardView(
        displayNumber: o["displayNumber"].string!, payload: o["payload"].string!,
        qrSide: UInt32(o["qrSide"].int!), quietZone: UInt32(o["quietZone"].int!), qrBits: hexData(o["qrBitsHex"].string!),
        secondsToRotation: o["secondsToRotation"].int, millisToRotation: o["millisToRotation"].int,
        secondsUntilRefused: o["secondsUntilRefused"].int,
        format: o["format"].string == "loy2" ? .loy2 : .loy1,
        notice: o["notice"].string.map(cardNotice)
    )
}

/// The core's snake_case names of a CardNotice.
private func cardNotice(_ name: String) -> CardNotice {
    switch name {
    case "credential_missing": return .credentialMissing
    case "credential_not_yet_valid": return .credentialNotYetValid
    case "credential_expired": return .credentialExpired
    case "credential_revoked": return .credentialRevoked
    case "device_key_changed": return .deviceKeyChanged
    case "signer_failed": return .signerFailed
    default: fatalError("unknown card notice \(name)")
    }
}

private func snapshot(_ o: JSON) -> WalletSnapshot {
    WalletSnapshot(
        currency: o["currency"].string!, balance: o["balance"].int!, debt: o["debt"].int!,
        lifetimeEarned: o["lifetimeEarned"].int!, expiredTotal: o["expiredTotal"].int!,
        qualifyingSpendMinor: o["qualifyingSpendMinor"].int!, tier: o["tier"].string, nextTier: o["nextTier"].string,
        nextTierThresholdMinor: o["nextTierThresholdMinor"].int, nextTierRemainingMinor: o["nextTierRemainingMinor"].int,
        expiringPoints: o["expiringPoints"].int!, expiringDays: o["expiringDays"].int!, nextExpiryMs: o["nextExpiryMs"].int,
        coupons: o["coupons"].array.map { (c: JSON) in
            CouponInfo(id: c["id"].string!, percentHundredths: c["percentHundredths"].int, amountOffMinor: c["amountOffMinor"].int,
                       expiresAtMs: c["expiresAtMs"].int!, category: c["category"].string, skus: c["skus"].array.map { $0.string! },
                       oneItem: c["oneItem"].bool ?? false, minSpendMinor: c["minSpendMinor"].int)
        },
        history: o["history"].array.map { (h: JSON) in
            HistoryEntry(id: h["id"].int!, atMs: h["atMs"].int!, kind: h["kind"].string!, points: h["points"].int!, reference: h["reference"].string)
        },
        pendingActions: UInt32(o["pendingActions"].int!),
        tierPerks: o["tierPerks"].array.map { $0.string! }, nextTierPerks: o["nextTierPerks"].array.map { $0.string! },
        nextDiscountPercentHundredths: o["nextDiscountPercentHundredths"].int, nextDiscountSource: o["nextDiscountSource"].string
    )
}

private func badge(_ o: JSON) -> BadgeInfo {
    BadgeInfo(
        id: o["id"].string!, title: o["title"].string!, level: UInt32(o["level"].int!), levels: UInt32(o["levels"].int!),
        earnedAtMs: o["earnedAtMs"].int, progress: o["progress"].int!, nextThreshold: o["nextThreshold"].int
    )
}

private func rewardInfo(_ o: JSON) -> RewardInfo? {
    if !o["points"].isNull {
        return .points(points: o["points"]["points"].int!)
    }
    if !o["coupon"].isNull {
        let c = o["coupon"]
        return .coupon(percentHundredths: c["percentHundredths"].int, amountOffMinor: c["amountOffMinor"].int, validDays: c["validDays"].int!,
                       category: c["category"].string, skus: c["skus"].array.map { $0.string! }, oneItem: c["oneItem"].bool ?? false,
                       minSpendMinor: c["minSpendMinor"].int)
    }
    if !o["badge"].isNull {
        return .badge(badgeId: o["badge"]["badgeId"].string!)
    }
    return nil
}

private func challenge(_ o: JSON) -> ChallengeInfo {
    ChallengeInfo(
        id: o["id"].string!, title: o["title"].string!, status: o["status"].string!, progress: o["progress"].int!,
        target: o["target"].int!, completions: o["completions"].int!, secondsLeft: o["secondsLeft"].int,
        reward: o["reward"].string, rewardInfo: rewardInfo(o["rewardInfo"])
    )
}

private func leaderboardsRecord(_ o: JSON) -> Leaderboards {
    Leaderboards(
        myName: o["myName"].string, namePending: o["namePending"].bool!,
        boards: o["boards"].array.map { (b: JSON) in
            LeaderboardInfo(
                id: b["id"].string!, title: b["title"].string!, metric: b["metric"].string!, period: b["period"].string!,
                hasStanding: b["hasStanding"].bool!, periodStartMs: b["periodStartMs"].int!, computedAtMs: b["computedAtMs"].int!,
                participants: UInt32(b["participants"].int!),
                top: b["top"].array.map { (r: JSON) in LeaderboardRow(rank: UInt32(r["rank"].int!), name: r["name"].string!, value: r["value"].int!) },
                me: b["me"].isNull ? nil : LeaderboardMe(rank: UInt32(b["me"]["rank"].int!), value: b["me"]["value"].int!,
                                                         toPassNext: b["me"]["toPassNext"].int)
            )
        }
    )
}

private func message(_ o: JSON) -> InboxMessage {
    InboxMessage(
        id: o["id"].string!, kind: o["kind"].string!, title: o["title"].string!, body: o["body"].string!,
        state: o["state"].string!, pinned: o["pinned"].bool!, hasCoupon: o["hasCoupon"].bool!, activated: o["activated"].bool!,
        deepLink: o["deepLink"].string, imageUrl: o["imageUrl"].string, receivedAtMs: o["receivedAtMs"].int!,
        expiresAtMs: o["expiresAtMs"].int
    )
}

// MARK: - The vectors

/// How often onboarding's afterSignOut hook ran.
@MainActor
final class HookCalls {
    var count: Int64 = 0
}

@MainActor
final class VectorsTests: XCTestCase {
    func testFormat() throws {
        let root = try vectors("format.json")
        let report = Report("format.json")
        let now = root["nowMs"].int!
        let zone = TimeZone(identifier: root["zone"].string!)!
        for c in root["cases"].array {
            let f = Format(lang: lang(c["lang"]), zone: zone)
            let a = c["args"].array
            let n = a.first?.int ?? 0
            let actual: String
            switch c["fn"].string! {
            case "number": actual = f.number(n)
            case "money": actual = f.money(n, currency: a[1].string!)
            case "points": actual = f.points(n)
            case "pointsDelta": actual = f.pointsDelta(n)
            case "pointsWord": actual = f.pointsWord(n)
            case "days": actual = f.days(n)
            case "seconds": actual = f.seconds(n)
            case "timeLeft": actual = f.timeLeft(n)
            case "date": actual = f.date(n, nowMs: now)
            case "dateTime": actual = f.dateTime(n, nowMs: now)
            case "clock": actual = f.clock(n, nowMs: now)
            case "percent": actual = f.percent(n)
            case "plural": actual = f.plural(n).rawValue
            default: actual = "unknown function \(c["fn"])"
            }
            report.eq(c.description, c["expect"], j(actual))
        }
        report.finish()
    }

    func testTexts() throws {
        let root = try vectors("texts.json")
        let report = Report("texts.json")
        for (key, value) in root["strings"].object {
            for l in Lang.allCases {
                report.eq("\(key)/\(l.rawValue)", value[l.rawValue], j(fixed(Texts.of(l), key)))
            }
        }
        for c in root["calls"].array {
            for l in Lang.allCases {
                report.eq(c.description + " " + l.rawValue, c[l.rawValue], j(call(Texts.of(l), c["fn"].string!, c["args"].array)))
            }
        }
        report.finish()
    }

    private func fixed(_ t: Texts, _ key: String) -> String? {
        let all: [String: String] = [
            "tabCard": t.tabCard, "tabWallet": t.tabWallet, "tabChallenges": t.tabChallenges, "tabBadges": t.tabBadges,
            "tabInbox": t.tabInbox, "settings": t.settings, "cardTitle": t.cardTitle, "showBarcode": t.showBarcode,
            "showQr": t.showQr, "noCard": t.noCard, "clockTitle": t.clockTitle, "staticCode": t.staticCode,
            "worksOffline": t.worksOffline, "offlineCodeUnavailable": t.offlineCodeUnavailable, "offlineCodeFailed": t.offlineCodeFailed,
            "balance": t.balance, "pullToRefresh": t.pullToRefresh, "history": t.history, "loadMore": t.loadMore,
            "coupons": t.coupons, "noCoupons": t.noCoupons, "noHistory": t.noHistory, "topTier": t.topTier,
            "join": t.join, "noChallenges": t.noChallenges, "noBadges": t.noBadges, "noMessages": t.noMessages,
            "activate": t.activate, "activated": t.activated, "dismiss": t.dismiss, "pinned": t.pinned,
            "welcomeTitle": t.welcomeTitle, "welcomeBody": t.welcomeBody, "enroll": t.enroll, "enrolling": t.enrolling,
            "tryDemo": t.tryDemo, "signOut": t.signOut, "signingOut": t.signingOut, "syncFailed": t.syncFailed,
            "retry": t.retry, "offlineNotice": t.offlineNotice, "refreshing": t.refreshing,
            "leaderboards": t.leaderboards, "noLeaderboards": t.noLeaderboards, "boardInvite": t.boardInvite,
            "boardNoParticipants": t.boardNoParticipants, "boardNotSynced": t.boardNotSynced, "boardNameTitle": t.boardNameTitle,
            "boardNameLabel": t.boardNameLabel, "boardLeave": t.boardLeave, "cancel": t.cancel,
        ]
        return all[key]
    }

    private func call(_ t: Texts, _ fn: String, _ a: [JSON]) -> String {
        func s(_ i: Int) -> String { a[i].string ?? "" }
        func n(_ i: Int) -> Int64 { a[i].int ?? 0 }
        switch fn {
        case "codeChangesIn": return t.codeChangesIn(seconds: n(0), number: s(1))
        case "cardCodeDescription": return t.cardCodeDescription(seconds: a[0].int, number: a[1].string)
        case "screenshotNote": return t.screenshotNote(seconds: n(0), number: s(1))
        case "cardNumberDescription": return t.cardNumberDescription(s(0))
        case "tierLine": return t.tierLine(s(0))
        case "toNextTier": return t.toNextTier(amount: s(0), tier: s(1))
        case "expiring": return t.expiring(points: s(0), date: s(1))
        case "debt": return t.debt(s(0))
        case "pendingActions": return t.pendingActions(n(0))
        case "couponPercent": return t.couponPercent(s(0))
        case "couponAmount": return t.couponAmount(s(0))
        case "validUntil": return t.validUntil(s(0))
        case "reachTierToGet": return t.reachTierToGet(s(0))
        case "nextDiscount": return t.nextDiscount(percent: s(0), source: s(1))
        case "nextDiscountPlain": return t.nextDiscountPlain(s(0))
        case "discountSource": return t.discountSource(s(0))
        case "couponCategory": return t.couponCategory(s(0))
        case "couponSkus": return t.couponSkus(s(0))
        case "couponOneItemOfCategory": return t.couponOneItemOfCategory(s(0))
        case "couponOneItemOfSkus": return t.couponOneItemOfSkus(s(0))
        case "couponFrom": return t.couponFrom(s(0))
        case "couponScoped": return t.couponScoped(benefit: s(0), terms: s(1))
        case "historyKind": return t.historyKind(s(0))
        case "tierName": return t.tierName(s(0))
        case "challengeStatus": return t.challengeStatus(s(0))
        case "progressOf": return t.progressOf(done: s(0), target: s(1))
        case "timeLeft": return t.timeLeft(s(0))
        case "rewardPoints": return t.rewardPoints(s(0))
        case "rewardCoupon": return t.rewardCoupon(benefit: s(0), days: s(1))
        case "rewardBadge": return t.rewardBadge(s(0))
        case "rewardCouponScoped": return t.rewardCouponScoped(benefit: s(0), terms: s(1), days: s(2))
        case "completedTimes": return t.completedTimes(n(0))
        case "badgeLevel": return t.badgeLevel(level: n(0), levels: n(1))
        case "badgeNext": return t.badgeNext(progress: s(0), threshold: s(1))
        case "boardPeriod": return t.boardPeriod(s(0))
        case "boardUpdated": return t.boardUpdated(s(0))
        case "boardParticipants": return t.boardParticipants(count: n(0), number: s(1))
        case "boardPurchases": return t.boardPurchases(count: n(0), number: s(1))
        case "boardCompletions": return t.boardCompletions(count: n(0), number: s(1))
        case "boardMe": return t.boardMe(rank: s(0), value: s(1))
        case "boardToPass": return t.boardToPass(amount: s(0), rank: s(1))
        case "boardToMoveUp": return t.boardToMoveUp(s(0))
        case "boardJoinedAs": return t.boardJoinedAs(s(0))
        case "boardPendingAs": return t.boardPendingAs(s(0))
        case "unread": return t.unread(n(0))
        case "expires": return t.expires(s(0))
        case "enrolled": return t.enrolled(last4: s(0))
        default: return "unknown Texts function \(fn)"
        }
    }

    func testErrors() throws {
        let root = try vectors("errors.json")
        let report = Report("errors.json")
        let messages = root["messages"].object
        // The vectors list exactly the codes the library says it can raise.
        report.eq("the error codes in errors.json and errorCodes()", j(messages.keys.sorted().map { JSON.string($0) }),
                  j(errorCodes().sorted().map { JSON.string($0) }))
        for (code, texts) in messages {
            for l in Lang.allCases {
                report.eq("\(code)/\(l.rawValue)", texts[l.rawValue], j(ErrorTexts.message(code, l)))
            }
        }
        for l in Lang.allCases {
            report.eq("fallback/\(l.rawValue)", root["fallback"][l.rawValue], j(ErrorTexts.message(root["unknownCode"].string!, l)))
        }
        report.finish()
    }

    func testCard() async throws {
        let root = try vectors("card.json")
        let report = Report("card.json")
        for c in root["ticks"].array {
            report.eq(c.description, c["nextTick"], j(CardTicker.nextTick(millisToRotation: c["millisToRotation"].int!)))
        }
        for c in root["schedules"].array {
            var ms = c["millisToRotation"].int!
            var at: Int64 = 0
            var delays: [JSON] = []
            var instants: [JSON] = []
            for _ in c["delays"].array {
                let d = CardTicker.nextTick(millisToRotation: ms)
                delays.append(j(d))
                at += d
                instants.append(j(at))
                ms -= d
                if ms <= 0 {
                    ms += c["stepMs"].int!
                }
            }
            report.eq(c.description, c["delays"], j(delays))
            report.eq(c.description, c["instants"], j(instants))
            let missed = c["rotationsAt"].array.filter { !instants.contains($0) }
            report.eq("a refresh lands on every rotation: \(c)", j([]), j(missed))
        }
        for c in root["qr"].array {
            let q = QrImage(side: Int(c["side"].int!), quietZone: Int(c["quietZone"].int!), bits: hexData(c["bitsHex"].string!))
            let rows = (0..<q.side).map { y in (0..<q.side).map { x in q.isDark(x: x, y: y) ? "#" : "." }.joined() }
            report.eq(c.description, c["rows"], j(rows.map { JSON.string($0) }))
            report.eq(c.description, c["fullSide"], j(q.fullSide))
            for p in c["pixelsPerModule"].array {
                report.eq("\(c) at \(p.array[0]) px", p.array[1], j(q.pixelsPerModule(maxPx: Int(p.array[0].int!))))
            }
        }
        for c in root["screens"].array {
            let client = FakeClient()
            if let code = c["error"].string {
                client.failures["cardView"] = code
            }
            if !c["view"].isNull {
                client.card = cardView(c["view"])
            }
            if !c["barcode"].isNull {
                let b = c["barcode"]
                client.barcode = LinearBarcode(symbology: b["symbology"].string!, text: b["text"].string!,
                                               widths: hexData(b["widthsHex"].string!), quietZone: UInt32(b["quietZone"].int!))
            }
            if let code = c["syncError"].string {
                client.failures["sync"] = code
            }
            let env = Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow), nowMs: { 0 })
            let sync = SyncCoordinator(env: env)
            if !c["syncError"].isNull {
                await sync.sync()
            }
            let model = CardModel(env: env, sync: sync)
            await model.reload()
            if c["toggle"].bool == true {
                await model.toggleCode()
            }
            report.eq(c.description, c["expect"], cardState(model.state))
        }
        for c in root["window"].array {
            let model = CardModel(env: Env(client: FakeClient(), format: Format(lang: .en, zone: moscow)))
            model.onVisible(c["visible"].bool!)
            let w = model.window
            report.eq(c.description, c["expect"],
                      j(["fullBrightness": j(w.fullBrightness), "keepScreenOn": j(w.keepScreenOn), "secure": j(w.secure)]))
        }
        report.finish()
    }

    private func cardState(_ s: CardState) -> JSON {
        switch s {
        case .loading:
            return j(["state": j("loading")])
        case .noCard(let message):
            return j(["state": j("noCard"), "message": j(message)])
        case .failed(let message):
            return j(["state": j("failed"), "message": j(message)])
        case .shown(let v):
            var bars = JSON.null
            if let b = v.bars {
                bars = j(["widths": j(b.widths.map { j($0) }), "quietZone": j(b.quietZone), "text": j(b.text)])
            }
            return j([
                "state": j("shown"), "kind": j(v.kind.rawValue), "number": j(v.number), "numberDescription": j(v.numberDescription),
                "payload": j(v.payload), "countdown": j(v.countdown), "codeDescription": j(v.codeDescription),
                "screenshotNote": j(v.screenshotNote), "offlineNote": j(v.offlineNote), "codeNotice": j(v.codeNotice),
                "switchLabel": j(v.switchLabel), "canSwitch": j(v.canSwitch),
                "notice": j(v.notice), "clockWarning": j(v.clockWarning), "qrSide": j(v.qr.map { Int64($0.side) }), "bars": bars,
            ])
        }
    }

    func testWallet() async throws {
        let root = try vectors("wallet.json")
        let report = Report("wallet.json")
        let now = root["nowMs"].int!
        for c in root["cases"].array {
            let client = FakeClient()
            client.snapshot = snapshot(c["snapshot"])
            let env = Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow), nowMs: { now })
            let model = WalletModel(env: env, sync: SyncCoordinator(env: env))
            await model.reload()
            let s = model.state
            var tier = JSON.null
            if let t = s.tier {
                tier = j(["title": j(t.title), "progress": j(t.progress), "next": j(t.next)])
            }
            report.eq(c.description, c["expect"], j([
                "balance": j(s.balance), "tier": tier, "expiring": j(s.expiring), "debt": j(s.debt),
                "coupons": j(s.coupons.map { j(["id": j($0.id), "title": j($0.title), "validUntil": j($0.validUntil)]) }),
                "history": j(s.history.map {
                    j(["id": j($0.id), "title": j($0.title), "points": j($0.points), "date": j($0.date), "positive": j($0.positive)])
                }),
                "canLoadMore": j(s.canLoadMore), "pending": j(s.pending),
                "perks": j(s.perks.map { j($0) }), "nextPerksTitle": j(s.nextPerksTitle),
                "nextPerks": j(s.nextPerks.map { j($0) }), "nextDiscount": j(s.nextDiscount),
            ]))
        }
        report.finish()
    }

    func testGoals() async throws {
        let root = try vectors("goals.json")
        let report = Report("goals.json")
        let now = root["nowMs"].int!
        for c in root["challenges"].array {
            let client = FakeClient()
            client.badgeList = c["badges"].array.map(badge)
            client.challengeList = c["challenges"].array.map(challenge)
            client.snapshot.currency = c["currency"].string!
            let model = ChallengesModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow), nowMs: { now }))
            await model.reload()
            let lines = model.state.challenges.map { (l: ChallengeLine) -> JSON in
                j([
                    "id": j(l.id), "title": j(l.title), "status": j(l.status), "progress": j(l.progress),
                    "progressText": j(l.progressText), "timeLeft": j(l.timeLeft), "reward": j(l.reward),
                    "completions": j(l.completions), "canJoin": j(l.canJoin), "done": j(l.done),
                ])
            }
            report.eq(c.description, c["expect"], j(["challenges": j(lines), "empty": j(model.state.empty)]))
        }
        for c in root["badges"].array {
            let client = FakeClient()
            client.badgeList = c["badges"].array.map(badge)
            let model = BadgesModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow), nowMs: { now }))
            await model.reload()
            let tiles = model.state.badges.map { (b: BadgeTile) -> JSON in
                j([
                    "id": j(b.id), "title": j(b.title), "level": j(b.level), "earned": j(b.earned),
                    "progress": j(b.progress), "next": j(b.next), "earnedOn": j(b.earnedOn),
                ])
            }
            report.eq(c.description, c["expect"], j(["badges": j(tiles), "empty": j(model.state.empty)]))
        }
        report.finish()
    }

    func testLeaderboards() async throws {
        let root = try vectors("leaderboards.json")
        let report = Report("leaderboards.json")
        let now = root["nowMs"].int!
        let zone = TimeZone(identifier: root["zone"].string!)!
        for c in root["cases"].array {
            let client = FakeClient()
            client.boards = leaderboardsRecord(c["leaderboards"])
            client.snapshot.currency = c["currency"].string!
            let model = LeaderboardsModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: zone), nowMs: { now }))
            await model.reload()
            report.eq("loaded: \(c)", j(false), j(model.state.loading))
            report.eq(c.description, c["expect"], leaderboardsJSON(model.state))
        }
        for c in root["actions"].array {
            let client = FakeClient()
            client.boards = leaderboardsRecord(c["leaderboards"])
            let action = c["action"].string!
            if let code = c["error"].string {
                client.failures[action] = code
            }
            let model = LeaderboardsModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: zone), nowMs: { now }))
            await model.reload()
            var result = JSON.null
            if action == "join" {
                result = j(await model.join(c["name"].string!))
            } else {
                await model.leave()
            }
            let s = model.state
            report.eq(c.description, c["expect"], j(["result": result, "joinError": j(s.joinError), "notice": j(s.notice)]))
            // What the core was asked: the name exactly as typed (the core trims and checks it), or a leave.
            let asked = action == "join" ? ["join:" + c["name"].string!] : ["leave"]
            report.eq(c.description, j(asked.map { JSON.string($0) }), j(client.boardCalls.map { JSON.string($0) }))
        }
        report.finish()
    }

    private func leaderboardsJSON(_ s: LeaderboardsState) -> JSON {
        j([
            "membership": j(s.membership), "canJoin": j(s.canJoin), "canLeave": j(s.canLeave), "pending": j(s.pending),
            "myName": j(s.myName), "empty": j(s.empty), "notice": j(s.notice), "joinError": j(s.joinError),
            "boards": j(s.boards.map { (b: BoardCard) -> JSON in
                j([
                    "id": j(b.id), "title": j(b.title), "period": j(b.period), "updated": j(b.updated),
                    "participants": j(b.participants),
                    "rows": j(b.rows.map { j(["rank": j($0.rank), "name": j($0.name), "value": j($0.value), "me": j($0.me)]) }),
                    "me": j(b.me), "toPass": j(b.toPass), "empty": j(b.empty),
                ])
            }),
        ])
    }

    func testInbox() async throws {
        let root = try vectors("inbox.json")
        let report = Report("inbox.json")
        let now = root["nowMs"].int!
        for c in root["cases"].array {
            let client = FakeClient()
            client.messages = c["messages"].array.map(message)
            client.unread = UInt32(c["unreadCount"].int!)
            let model = InboxModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow), nowMs: { now }))
            await model.reload()
            let s = model.state
            let lines = s.messages.map { (m: MessageLine) -> JSON in
                j([
                    "id": j(m.id), "title": j(m.title), "body": j(m.body), "date": j(m.date), "unread": j(m.unread),
                    "pinned": j(m.pinned), "canActivate": j(m.canActivate), "activated": j(m.activated),
                    "expires": j(m.expires), "deepLink": j(m.deepLink),
                ])
            }
            report.eq(c.description, c["expect"], j([
                "messages": j(lines), "unreadCount": j(s.unreadCount), "unreadText": j(s.unreadText), "empty": j(s.empty),
            ]))
        }
        report.finish()
    }

    func testOnboarding() async throws {
        let root = try vectors("onboarding.json")
        let report = Report("onboarding.json")
        for c in root["cases"].array {
            let client = FakeClient()
            if c["hasCard"].bool != true {
                client.failures["cardView"] = "no_card"
            }
            if let number = c["displayNumber"].string {
                client.card.displayNumber = number
            }
            if let last4 = c["cardLast4"].string {
                client.enrollment = Enrollment(memberId: "m-1", cardLast4: last4)
            }
            let action = c["action"].string!
            if let code = c["error"].string {
                client.failures[action] = code
            }
            let hook = HookCalls()
            let model = OnboardingModel(env: Env(client: client, format: Format(lang: lang(c["lang"]), zone: moscow))) {
                hook.count += 1
            }
            await model.load()
            switch action {
            case "startDemo": await model.startDemo()
            case "enroll": await model.enroll()
            case "signOut": await model.signOut()
            default: break
            }
            let state: JSON
            switch model.state {
            case .welcome(let title, let body, let enroll, let demo, let error):
                state = j(["state": j("welcome"), "title": j(title), "body": j(body), "enroll": j(enroll), "demo": j(demo), "error": j(error)])
            case .ready(let message):
                state = j(["state": j("ready"), "message": j(message)])
            case .working(let message):
                state = j(["state": j("working"), "message": j(message)])
            }
            report.eq(c.description, c["expect"], j(["root": j(model.root.rawValue), "state": state, "afterSignOut": j(hook.count)]))
        }
        report.finish()
    }

    /// Every key the Swift Texts and ErrorTexts read is in the catalogue, with both languages (tierName.* is Russian only).
    func testTheCatalogueHasBothLanguages() throws {
        let catalog = Catalog.shared
        XCTAssertGreaterThan(catalog.keys.count, 100)
        for key in catalog.keys {
            XCTAssertNotNil(catalog.text(key, .ru, [.int(1), .text("1")]), "\(key) has no Russian")
            if !key.hasPrefix("tierName.") {
                XCTAssertNotNil(catalog.text(key, .en, [.int(1), .text("1")]), "\(key) has no English")
            }
        }
    }
}
