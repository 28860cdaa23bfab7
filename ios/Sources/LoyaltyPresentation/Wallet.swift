// The wallet screen (Wallet.kt on Android): balance, tier progress, expiring
// points, debt, coupons, history with paging, pending offline actions, and
// pull to refresh through the sync coordinator.
import Foundation
import LoyaltyCore
import Observation

/// The tier line: name, progress towards the next tier, and what is left.
public struct TierLine: Equatable, Sendable {
    public let title: String
    /// 0…1 towards the next tier; 1 at the top tier.
    public let progress: Double
    /// "Ещё 3 000 ₽ до уровня «Золотой»", or "top tier".
    public let next: String
}

/// A coupon in the wallet.
public struct CouponLine: Equatable, Sendable, Identifiable {
    public let id: String
    public let title: String
    public let validUntil: String
}

/// One history entry.
public struct HistoryLine: Equatable, Sendable, Identifiable {
    public let id: Int64
    public let title: String
    public let points: String
    public let date: String
    public let positive: Bool
}

/// The wallet screen.
public struct WalletState: Equatable, Sendable {
    public var loading = true
    public var balance = ""
    public var tier: TierLine?
    public var expiring: String?
    public var debt: String?
    public var coupons: [CouponLine] = []
    /// The current tier's perks, the program's texts in its order.
    public var perks: [String] = []
    /// "Достигните уровня «Золотой», чтобы получить:" above `nextPerks`; nil when there are none.
    public var nextPerksTitle: String?
    public var nextPerks: [String] = []
    /// "Следующая покупка: скидка 15 % — первая покупка"; nil without a discount.
    public var nextDiscount: String?
    public var history: [HistoryLine] = []
    public var canLoadMore = false
    /// "1 действие ждёт синхронизации": taps made offline, not yet confirmed.
    public var pending: String?
    public var refreshing = false
    /// A non-blocking notice (a failed sync).
    public var notice: String?
    /// Set when the wallet cannot be read at all.
    public var error: String?

    public init() {}
}

/// The wallet screen's model: snapshot, history paging, pull to refresh.
@MainActor
@Observable
public final class WalletModel {
    /// Points expiring within this many days are announced.
    public static let expiringDays = 30
    /// History entries per page.
    public static let page = 20

    public private(set) var state = WalletState()
    @ObservationIgnored private var nextBefore: Int64?
    @ObservationIgnored private let env: Env
    @ObservationIgnored private let sync: SyncCoordinator

    public init(env: Env, sync: SyncCoordinator) {
        self.env = env
        self.sync = sync
    }

    /// Reads the wallet and publishes a fresh state.
    public func reload() async {
        do {
            let snap = try await env.call { client in
                try client.walletSnapshot(expiringDays: UInt32(WalletModel.expiringDays), historyLimit: UInt32(WalletModel.page))
            }
            nextBefore = snap.history.count >= WalletModel.page ? snap.history.last?.id : nil
            state = present(snap)
        } catch {
            state.loading = false
            state.error = env.message(error)
        }
    }

    /// Appends the next page of history.
    public func loadMore() async {
        guard let before = nextBefore else {
            return
        }
        do {
            let page = try await env.call { client in try client.history(beforeId: before, limit: UInt32(WalletModel.page)) }
            nextBefore = page.nextBeforeId
            state.history += page.entries.map(line)
            state.canLoadMore = nextBefore != nil
        } catch {
            state.notice = env.message(error)
        }
    }

    /// Pull to refresh: a sync; a failure is a notice, the figures stay.
    public func refresh() async {
        state.refreshing = true
        await sync.sync()
        await reload()
        state.refreshing = false
        state.notice = sync.status.notice
    }

    /// Loads, then reloads on wallet changes and follows the sync notice, until the task is cancelled.
    public func run() async {
        await reload()
        let syncs = Task { [weak self, sync] in
            for await status in sync.statuses() {
                self?.state.notice = status.notice
            }
        }
        defer {
            syncs.cancel()
        }
        await env.follow([.wallet]) {
            await self.reload()
        }
    }

    private func present(_ s: WalletSnapshot) -> WalletState {
        let f = env.format
        let t = env.texts
        let now = env.nowMs()
        var out = WalletState()
        out.loading = false
        out.balance = f.points(s.balance)
        if let id = s.tier {
            if let next = s.nextTier, let threshold = s.nextTierThresholdMinor, let remaining = s.nextTierRemainingMinor, threshold > 0 {
                let done = min(max(threshold - remaining, 0), threshold)
                out.tier = TierLine(
                    title: t.tierName(id),
                    progress: Double(done) / Double(threshold),
                    next: t.toNextTier(amount: f.money(remaining, currency: s.currency), tier: t.tierName(next))
                )
            } else {
                out.tier = TierLine(title: t.tierName(id), progress: 1, next: t.topTier)
            }
        }
        if let expiry = s.nextExpiryMs, s.expiringPoints > 0 {
            out.expiring = t.expiring(points: f.points(s.expiringPoints), date: f.date(expiry, nowMs: now))
        }
        if s.debt > 0 {
            out.debt = t.debt(f.points(s.debt))
        }
        out.coupons = s.coupons.map { (c: CouponInfo) -> CouponLine in
            let benefit: String
            if let percent = c.percentHundredths {
                benefit = t.couponPercent(f.percent(percent))
            } else {
                benefit = t.couponAmount(f.money(c.amountOffMinor ?? 0, currency: s.currency))
            }
            let terms = couponTerms(t, category: c.category, skus: c.skus, oneItem: c.oneItem,
                                    minSpend: c.minSpendMinor.map { f.money($0, currency: s.currency) })
            return CouponLine(id: c.id, title: terms.map { t.couponScoped(benefit: benefit, terms: $0) } ?? benefit,
                              validUntil: t.validUntil(f.date(c.expiresAtMs, nowMs: now)))
        }
        if s.tier != nil {
            out.perks = s.tierPerks
        }
        if let next = s.nextTier {
            out.nextPerks = s.nextTierPerks
            if !s.nextTierPerks.isEmpty {
                out.nextPerksTitle = t.reachTierToGet(t.tierName(next))
            }
        }
        if let p = s.nextDiscountPercentHundredths, p > 0 {
            let percent = f.percent(p)
            if let source = s.nextDiscountSource {
                out.nextDiscount = t.nextDiscount(percent: percent, source: t.discountSource(source))
            } else {
                out.nextDiscount = t.nextDiscountPlain(percent)
            }
        }
        out.history = s.history.map(line)
        out.canLoadMore = nextBefore != nil
        if s.pendingActions > 0 {
            out.pending = t.pendingActions(Int64(s.pendingActions))
        }
        out.notice = sync.status.notice
        return out
    }

    private func line(_ h: HistoryEntry) -> HistoryLine {
        HistoryLine(
            id: h.id,
            title: env.texts.historyKind(h.kind),
            points: env.format.pointsDelta(h.points),
            date: env.format.dateTime(h.atMs, nowMs: env.nowMs()),
            positive: h.points > 0
        )
    }
}

/// What a coupon applies to and from what spend ("на один товар из категории
/// «clothing» при покупке от 1 000 ₽"), or nil for an unscoped coupon: the
/// core's fields in the words of `Texts`; `minSpend` already formatted.
public func couponTerms(_ t: Texts, category: String?, skus: [String], oneItem: Bool, minSpend: String?) -> String? {
    let list = skus.joined(separator: ", ")
    var scope: String?
    if let category {
        scope = oneItem ? t.couponOneItemOfCategory(category) : t.couponCategory(category)
    } else if !skus.isEmpty {
        scope = oneItem ? t.couponOneItemOfSkus(list) : t.couponSkus(list)
    } else if oneItem {
        scope = t.couponOneItem
    }
    let parts = [scope, minSpend.map { t.couponFrom($0) }].compactMap { $0 }
    return parts.isEmpty ? nil : parts.joined(separator: " ")
}
