// Every word the app shows, in Russian and English: the same catalogue as
// android/presentation/.../Texts.kt, read from Localizable.xcstrings. Each
// member has the Kotlin member's name; tests/presentation/texts.json pins them.
import Foundation

/// The words of one language.
public struct Texts: Sendable {
    public let lang: Lang
    private let catalog: Catalog

    public init(lang: Lang, catalog: Catalog = .shared) {
        self.lang = lang
        self.catalog = catalog
    }

    /// The catalogue of `lang`.
    public static func of(_ lang: Lang) -> Texts {
        Texts(lang: lang)
    }

    // MARK: - Fixed strings

    public var tabCard: String { s("tabCard") }
    public var tabWallet: String { s("tabWallet") }
    public var tabChallenges: String { s("tabChallenges") }
    public var tabBadges: String { s("tabBadges") }
    public var tabInbox: String { s("tabInbox") }
    public var settings: String { s("settings") }
    public var cardTitle: String { s("cardTitle") }
    public var showBarcode: String { s("showBarcode") }
    public var showQr: String { s("showQr") }
    public var noCard: String { s("noCard") }
    public var clockTitle: String { s("clockTitle") }
    public var staticCode: String { s("staticCode") }
    /// Beside a LOY2 code (device-signed, checked by the till without a network).
    public var worksOffline: String { s("worksOffline") }
    /// A LOY2 card shows its LOY1 code: its credential is missing, not valid now, revoked or for another key.
    public var offlineCodeUnavailable: String { s("offlineCodeUnavailable") }
    /// A LOY2 card shows its LOY1 code: the device key could not sign this time.
    public var offlineCodeFailed: String { s("offlineCodeFailed") }
    public var balance: String { s("balance") }
    public var pullToRefresh: String { s("pullToRefresh") }
    public var history: String { s("history") }
    public var loadMore: String { s("loadMore") }
    public var coupons: String { s("coupons") }
    public var noCoupons: String { s("noCoupons") }
    public var noHistory: String { s("noHistory") }
    public var topTier: String { s("topTier") }
    /// Above the current tier's perks (the program's own texts).
    public var yourPerks: String { s("yourPerks") }
    /// A coupon for one item of any kind.
    public var couponOneItem: String { s("couponOneItem") }
    public var join: String { s("join") }
    public var noChallenges: String { s("noChallenges") }
    public var noBadges: String { s("noBadges") }
    /// The leaderboards screen's title and the button that opens it.
    public var leaderboards: String { s("leaderboards") }
    /// The program has no boards.
    public var noLeaderboards: String { s("noLeaderboards") }
    /// Not joined: what joining means, above the Join button.
    public var boardInvite: String { s("boardInvite") }
    /// A board with a standing but nobody on it.
    public var boardNoParticipants: String { s("boardNoParticipants") }
    /// A board no sync has brought a standing for yet.
    public var boardNotSynced: String { s("boardNotSynced") }
    /// The join dialog's title.
    public var boardNameTitle: String { s("boardNameTitle") }
    /// The name field's label.
    public var boardNameLabel: String { s("boardNameLabel") }
    public var boardLeave: String { s("boardLeave") }
    public var cancel: String { s("cancel") }
    public var noMessages: String { s("noMessages") }
    public var activate: String { s("activate") }
    public var activated: String { s("activated") }
    public var dismiss: String { s("dismiss") }
    public var pinned: String { s("pinned") }
    public var welcomeTitle: String { s("welcomeTitle") }
    public var welcomeBody: String { s("welcomeBody") }
    public var enroll: String { s("enroll") }
    public var enrolling: String { s("enrolling") }
    public var tryDemo: String { s("tryDemo") }
    public var signOut: String { s("signOut") }
    public var signingOut: String { s("signingOut") }
    public var syncFailed: String { s("syncFailed") }
    public var retry: String { s("retry") }
    public var offlineNotice: String { s("offlineNotice") }
    public var refreshing: String { s("refreshing") }

    // MARK: - Card

    /// "Code changes in 21 seconds"; `number` is `seconds` formatted.
    public func codeChangesIn(seconds: Int64, number: String) -> String {
        f("codeChangesIn", .int(seconds), .text(number))
    }

    /// What a screen reader says for the code: "Card code, changes in 21 seconds" (no countdown: a static code).
    public func cardCodeDescription(seconds: Int64?, number: String?) -> String {
        guard let seconds, let number else {
            return s("cardCodeDescription.static")
        }
        return f("cardCodeDescription", .int(seconds), .text(number))
    }

    /// "A till takes this code for 39 seconds more, once only".
    public func screenshotNote(seconds: Int64, number: String) -> String {
        f("screenshotNote", .int(seconds), .text(number))
    }

    public func cardNumberDescription(_ number: String) -> String {
        f("cardNumberDescription", .text(number))
    }

    // MARK: - Wallet

    public func tierLine(_ tier: String) -> String {
        f("tierLine", .text(tier))
    }

    public func toNextTier(amount: String, tier: String) -> String {
        f("toNextTier", .text(amount), .text(tier))
    }

    public func expiring(points: String, date: String) -> String {
        f("expiring", .text(points), .text(date))
    }

    public func debt(_ points: String) -> String {
        f("debt", .text(points))
    }

    public func pendingActions(_ count: Int64) -> String {
        f("pendingActions", .int(count))
    }

    public func couponPercent(_ percent: String) -> String {
        f("couponPercent", .text(percent))
    }

    public func couponAmount(_ amount: String) -> String {
        f("couponAmount", .text(amount))
    }

    public func validUntil(_ date: String) -> String {
        f("validUntil", .text(date))
    }

    /// "Reach Gold to get:", above the next tier's perks.
    public func reachTierToGet(_ tier: String) -> String {
        f("reachTierToGet", .text(tier))
    }

    /// "Next purchase: 15 % off — first purchase"; `source` is `discountSource`'s.
    public func nextDiscount(percent: String, source: String) -> String {
        f("nextDiscount", .text(percent), .text(source))
    }

    /// The next purchase's discount when the core names no source.
    public func nextDiscountPlain(_ percent: String) -> String {
        f("nextDiscountPlain", .text(percent))
    }

    /// Which rule gives the discount: `tier`, `member`, `first_purchase` (another id shows as itself).
    public func discountSource(_ source: String) -> String {
        catalog.text("discountSource." + source, lang) ?? source
    }

    /// A coupon for a category (the program's category id, as given).
    public func couponCategory(_ category: String) -> String {
        f("couponCategory", .text(category))
    }

    /// A coupon for some skus, listed with ", ".
    public func couponSkus(_ skus: String) -> String {
        f("couponSkus", .text(skus))
    }

    public func couponOneItemOfCategory(_ category: String) -> String {
        f("couponOneItemOfCategory", .text(category))
    }

    public func couponOneItemOfSkus(_ skus: String) -> String {
        f("couponOneItemOfSkus", .text(skus))
    }

    /// A coupon's minimum spend.
    public func couponFrom(_ amount: String) -> String {
        f("couponFrom", .text(amount))
    }

    /// The benefit followed by its scope and minimum spend.
    public func couponScoped(benefit: String, terms: String) -> String {
        f("couponScoped", .text(benefit), .text(terms))
    }

    public func historyKind(_ kind: String) -> String {
        catalog.text("historyKind." + kind, lang) ?? s("historyKind.other")
    }

    /// The usual tiers have Russian names; any other id is shown capitalised.
    public func tierName(_ id: String) -> String {
        catalog.text("tierName." + id, lang) ?? Texts.capitalisedFirst(id)
    }

    // MARK: - Challenges and badges

    public func challengeStatus(_ status: String) -> String {
        catalog.text("challengeStatus." + status, lang) ?? status
    }

    public func progressOf(done: String, target: String) -> String {
        f("progressOf", .text(done), .text(target))
    }

    public func timeLeft(_ left: String) -> String {
        f("timeLeft", .text(left))
    }

    public func rewardPoints(_ points: String) -> String {
        f("rewardPoints", .text(points))
    }

    public func rewardCoupon(benefit: String, days: String) -> String {
        f("rewardCoupon", .text(benefit), .text(days))
    }

    /// A coupon reward with its scope and minimum spend (`terms` as `couponTerms` gives them).
    public func rewardCouponScoped(benefit: String, terms: String, days: String) -> String {
        f("rewardCouponScoped", .text(benefit), .text(terms), .text(days))
    }

    public func rewardBadge(_ title: String) -> String {
        f("rewardBadge", .text(title))
    }

    public func completedTimes(_ times: Int64) -> String {
        f("completedTimes", .int(times))
    }

    public func badgeLevel(level: Int64, levels: Int64) -> String {
        if levels <= 1 {
            return s(level > 0 ? "badgeLevel.earned" : "badgeLevel.notEarned")
        }
        return f("badgeLevel", .int(level), .int(levels))
    }

    public func badgeNext(progress: String, threshold: String) -> String {
        f("badgeNext", .text(progress), .text(threshold))
    }

    // MARK: - Leaderboards

    /// The board's period: `week`, `month`, `all_time` (another id shows as itself).
    public func boardPeriod(_ period: String) -> String {
        catalog.text("boardPeriod." + period, lang) ?? period
    }

    /// "Обновлено: 10:05"; `time` is `Format.clock`'s.
    public func boardUpdated(_ time: String) -> String {
        f("boardUpdated", .text(time))
    }

    /// "12 участников"; `number` is `count` formatted.
    public func boardParticipants(count: Int64, number: String) -> String {
        f("boardParticipants", .int(count), .text(number))
    }

    /// A value of the `purchases` metric: "5 покупок".
    public func boardPurchases(count: Int64, number: String) -> String {
        f("boardPurchases", .int(count), .text(number))
    }

    /// A value of the `challenge_completions` metric: "3 задания".
    public func boardCompletions(count: Int64, number: String) -> String {
        f("boardCompletions", .int(count), .text(number))
    }

    /// My standing: rank and value, both formatted.
    public func boardMe(rank: String, value: String) -> String {
        f("boardMe", .text(rank), .text(value))
    }

    /// "Ещё 40 баллов, чтобы подняться на 2-е место": the core's `to_pass_next` and the rank above mine (a no-break hyphen and space keep "2‑е место" whole).
    public func boardToPass(amount: String, rank: String) -> String {
        f("boardToPass", .text(amount), .text(rank))
    }

    /// The same when the rank above mine is not on the list.
    public func boardToMoveUp(_ amount: String) -> String {
        f("boardToMoveUp", .text(amount))
    }

    /// Joined and confirmed.
    public func boardJoinedAs(_ name: String) -> String {
        f("boardJoinedAs", .text(name))
    }

    /// Joined, the server has still to confirm the name.
    public func boardPendingAs(_ name: String) -> String {
        f("boardPendingAs", .text(name))
    }

    // MARK: - Inbox and onboarding

    public func unread(_ count: Int64) -> String {
        f("unread", .int(count))
    }

    public func expires(_ date: String) -> String {
        f("expires", .text(date))
    }

    public func enrolled(last4: String) -> String {
        f("enrolled", .text(last4))
    }

    // MARK: - Private

    /// A missing key shows as itself, so a test (and a reader) sees which.
    private func s(_ key: String) -> String {
        catalog.text(key, lang) ?? key
    }

    private func f(_ key: String, _ args: CatalogArg...) -> String {
        catalog.text(key, lang, args) ?? key
    }

    /// Kotlin's `replaceFirstChar { it.uppercase() }`.
    private static func capitalisedFirst(_ s: String) -> String {
        guard let first = s.first else {
            return s
        }
        return first.uppercased() + s.dropFirst()
    }
}
