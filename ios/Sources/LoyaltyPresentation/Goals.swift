// The challenges and badges screens (Goals.kt on Android).
import Foundation
import LoyaltyCore
import Observation

/// One challenge in the list.
public struct ChallengeLine: Equatable, Sendable, Identifiable {
    public let id: String
    public let title: String
    public let status: String
    /// 0…1.
    public let progress: Double
    public let progressText: String
    public let timeLeft: String?
    public let reward: String?
    public let completions: String?
    /// Opt-in and not joined yet: the screen shows a Join button.
    public let canJoin: Bool
    public let done: Bool
}

/// The challenges screen.
public struct ChallengesState: Equatable, Sendable {
    public var loading = true
    public var challenges: [ChallengeLine] = []
    public var empty: String?
    public var notice: String?

    public init() {}
}

/// The challenges screen's model.
@MainActor
@Observable
public final class ChallengesModel {
    public private(set) var state = ChallengesState()
    @ObservationIgnored private let env: Env

    public init(env: Env) {
        self.env = env
    }

    public func reload() async {
        do {
            let list = try await env.call { client in try client.challenges() }
            let badges = try await env.call { client in try client.badges() }
            let currency = try await env.call { client in try client.walletSnapshot(expiringDays: 0, historyLimit: 0).currency }
            var titles: [String: String] = [:]
            for b in badges {
                titles[b.id] = b.title
            }
            var next = ChallengesState()
            next.loading = false
            next.challenges = list.map { (c: ChallengeInfo) in line(c, badgeTitles: titles, currency: currency) }
            next.empty = list.isEmpty ? env.texts.noChallenges : nil
            state = next
        } catch {
            state.loading = false
            state.notice = env.message(error)
        }
    }

    /// Joins an opt-in challenge (works offline; the server confirms it).
    public func join(_ id: String) async {
        do {
            try await env.call { client in try client.joinChallenge(challengeId: id) }
        } catch {
            state.notice = env.message(error)
        }
    }

    public func run() async {
        await reload()
        await env.follow([.goals, .wallet]) {
            await self.reload()
        }
    }

    private func line(_ c: ChallengeInfo, badgeTitles: [String: String], currency: String) -> ChallengeLine {
        let f = env.format
        let t = env.texts
        var reward: String?
        switch c.rewardInfo {
        case .points(let points):
            reward = t.rewardPoints(f.points(points))
        case .coupon(let percentHundredths, let amountOffMinor, let validDays, let category, let skus, let oneItem, let minSpendMinor):
            let benefit = percentHundredths.map { f.percent($0) } ?? f.money(amountOffMinor ?? 0, currency: currency)
            let terms = couponTerms(t, category: category, skus: skus, oneItem: oneItem,
                                    minSpend: minSpendMinor.map { f.money($0, currency: currency) })
            if let terms {
                reward = t.rewardCouponScoped(benefit: benefit, terms: terms, days: f.days(validDays))
            } else {
                reward = t.rewardCoupon(benefit: benefit, days: f.days(validDays))
            }
        case .badge(let badgeId):
            reward = t.rewardBadge(badgeTitles[badgeId] ?? badgeId)
        case nil:
            reward = nil
        }
        let open = c.status == "active" || c.status == "available"
        return ChallengeLine(
            id: c.id,
            title: c.title,
            status: t.challengeStatus(c.status),
            progress: c.target > 0 ? min(max(Double(c.progress) / Double(c.target), 0), 1) : 0,
            progressText: t.progressOf(done: f.number(c.progress), target: f.number(c.target)),
            timeLeft: open ? c.secondsLeft.map { t.timeLeft(f.timeLeft($0)) } : nil,
            reward: reward,
            completions: c.completions > 0 ? t.completedTimes(c.completions) : nil,
            canJoin: c.status == "available",
            done: c.status == "completed"
        )
    }
}

/// One badge in the grid.
public struct BadgeTile: Equatable, Sendable, Identifiable {
    public let id: String
    public let title: String
    public let level: String
    public let earned: Bool
    /// 0…1 towards the next level (1 when every level is earned).
    public let progress: Double
    public let next: String?
    public let earnedOn: String?
}

/// The badges screen.
public struct BadgesState: Equatable, Sendable {
    public var loading = true
    public var badges: [BadgeTile] = []
    public var empty: String?
    public var notice: String?

    public init() {}
}

/// The badges screen's model.
@MainActor
@Observable
public final class BadgesModel {
    public private(set) var state = BadgesState()
    @ObservationIgnored private let env: Env

    public init(env: Env) {
        self.env = env
    }

    public func reload() async {
        do {
            let list = try await env.call { client in try client.badges() }
            var next = BadgesState()
            next.loading = false
            next.badges = list.map(tile)
            next.empty = list.isEmpty ? env.texts.noBadges : nil
            state = next
        } catch {
            state.loading = false
            state.notice = env.message(error)
        }
    }

    public func run() async {
        await reload()
        await env.follow([.goals]) {
            await self.reload()
        }
    }

    private func tile(_ b: BadgeInfo) -> BadgeTile {
        let f = env.format
        let progress: Double
        if let next = b.nextThreshold, next > 0 {
            progress = min(max(Double(b.progress) / Double(next), 0), 1)
        } else {
            progress = 1
        }
        return BadgeTile(
            id: b.id,
            title: b.title,
            level: env.texts.badgeLevel(level: Int64(b.level), levels: Int64(b.levels)),
            earned: b.level > 0,
            progress: progress,
            next: b.nextThreshold.map { env.texts.badgeNext(progress: f.number(b.progress), threshold: f.number($0)) },
            earnedOn: b.earnedAtMs.map { f.date($0, nowMs: env.nowMs()) }
        )
    }
}
