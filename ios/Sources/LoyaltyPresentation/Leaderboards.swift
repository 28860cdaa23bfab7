// The leaderboards screen (Leaderboards.kt on Android): the boards as the
// last sync brought them, shown offline with their time, and joining or
// leaving under a display name. Nothing is ranked or checked here: the core
// ranks and validates names; this formats what it returns.
import Foundation
import LoyaltyCore
import Observation

/// One listed participant of a board.
public struct BoardRowLine: Equatable, Sendable {
    /// The core's rank, formatted: equal values share one (1, 2, 2, 4).
    public let rank: String
    public let name: String
    /// The value in the board's metric: points, money, purchases or challenges.
    public let value: String
    /// My own row: drawn highlighted.
    public let me: Bool
}

/// One board on the screen.
public struct BoardCard: Equatable, Sendable, Identifiable {
    public let id: String
    public let title: String
    /// "Эта неделя", "Этот месяц", "За всё время".
    public let period: String
    /// "Обновлено: 10:05" (the server's `computed_at`, so a board shown offline says how old it is); nil before a sync.
    public let updated: String?
    /// "12 участников"; nil before a sync and when nobody joined.
    public let participants: String?
    public let rows: [BoardRowLine]
    /// "Ваше место: 5, 1 200 баллов", when I have a standing.
    public let me: String?
    /// "Ещё 40 баллов, чтобы подняться на 4-е место"; nil at rank 1.
    public let toPass: String?
    /// "Участников пока нет" or "Ещё не обновлялся" instead of the rows.
    public let empty: String?
}

/// The leaderboards screen.
public struct LeaderboardsState: Equatable, Sendable {
    public var loading = true
    /// Who I am on the boards: the invitation, my name, or my name waiting for the server.
    public var membership: String?
    /// Not joined: the screen offers Join (the name field).
    public var canJoin = false
    /// Joined or joining: the screen offers Leave.
    public var canLeave = false
    /// The name waits for the server's confirmation.
    public var pending = false
    /// My name as I gave it; nil when not joined.
    public var myName: String?
    public var boards: [BoardCard] = []
    /// The program has no boards.
    public var empty: String?
    /// A non-blocking notice (a failed sync, a refused leave).
    public var notice: String?
    /// The core's refusal of the name last tried (`invalid_display_name`), shown under the field.
    public var joinError: String?

    public init() {}
}

/// The leaderboards screen's state from the core's record: every text
/// formatted, nothing ranked or checked here. `currency` formats the `spend`
/// metric; `nowMs` and the format's zone decide between "10:05" and a date.
public func leaderboardsState(_ record: Leaderboards, currency: String, format: Format, texts: Texts, nowMs: Int64) -> LeaderboardsState {
    var s = LeaderboardsState()
    s.loading = false
    let name = record.myName
    if let name {
        s.membership = record.namePending ? texts.boardPendingAs(name) : texts.boardJoinedAs(name)
    } else {
        s.membership = texts.boardInvite
    }
    s.canJoin = name == nil
    s.canLeave = name != nil
    s.pending = name != nil && record.namePending
    s.myName = name
    s.boards = record.boards.map { board($0, myName: name, currency: currency, f: format, t: texts, nowMs: nowMs) }
    s.empty = record.boards.isEmpty ? texts.noLeaderboards : nil
    return s
}

private func board(_ b: LeaderboardInfo, myName: String?, currency: String, f: Format, t: Texts, nowMs: Int64) -> BoardCard {
    func value(_ v: Int64) -> String {
        switch b.metric {
        case "points_earned": return f.points(v)
        case "spend": return f.money(v, currency: currency)
        case "purchases": return t.boardPurchases(count: v, number: f.number(v))
        case "challenge_completions": return t.boardCompletions(count: v, number: f.number(v))
        default: return f.number(v)
        }
    }
    let me = b.me
    // The rank right above mine as the core listed it (2 above a 4 after a tie at 2). The list runs from rank 1
    // without gaps, so it holds that rank only when it reaches down to mine; below the list it is unknown.
    var above: UInt32?
    if let me, b.top.contains(where: { $0.rank >= me.rank }) {
        above = b.top.map(\.rank).filter { $0 < me.rank }.max()
    }
    var toPass: String?
    if let n = me?.toPassNext {
        if let above {
            toPass = t.boardToPass(amount: value(n), rank: f.number(Int64(above)))
        } else {
            toPass = t.boardToMoveUp(value(n))
        }
    }
    let empty: String?
    if !b.hasStanding {
        empty = t.boardNotSynced
    } else if b.top.isEmpty {
        empty = t.boardNoParticipants
    } else {
        empty = nil
    }
    let participants = Int64(b.participants)
    return BoardCard(
        id: b.id,
        title: b.title,
        period: t.boardPeriod(b.period),
        updated: b.hasStanding ? t.boardUpdated(f.clock(b.computedAtMs, nowMs: nowMs)) : nil,
        participants: b.hasStanding && participants > 0 ? t.boardParticipants(count: participants, number: f.number(participants)) : nil,
        rows: b.top.map { r in
            BoardRowLine(
                rank: f.number(Int64(r.rank)),
                name: r.name,
                value: value(r.value),
                me: me.map { r.rank == $0.rank && r.name == myName } ?? false
            )
        },
        me: me.map { t.boardMe(rank: f.number(Int64($0.rank)), value: value($0.value)) },
        toPass: toPass,
        empty: empty
    )
}

/// The leaderboards screen's model: the boards, joining under a name and
/// leaving. Both work offline and go with the next sync; the core checks
/// the name (`invalid_display_name` at once, `name_taken` after the sync,
/// with an inbox notice).
@MainActor
@Observable
public final class LeaderboardsModel {
    public private(set) var state = LeaderboardsState()
    @ObservationIgnored private let env: Env
    @ObservationIgnored private let sync: SyncCoordinator?

    public init(env: Env, sync: SyncCoordinator? = nil) {
        self.env = env
        self.sync = sync
    }

    public func reload() async {
        do {
            let record = try await env.call { client in try client.leaderboards() }
            let currency = try await env.call { client in try client.walletSnapshot(expiringDays: 0, historyLimit: 0).currency }
            var next = leaderboardsState(record, currency: currency, format: env.format, texts: env.texts, nowMs: env.nowMs())
            next.notice = sync?.status.notice
            next.joinError = state.joinError
            state = next
        } catch {
            state.loading = false
            state.notice = env.message(error)
        }
    }

    /// Joins as `name` (or changes the name); true when the core took it. A
    /// refused name leaves `state.joinError` set to the core's reason in the
    /// shopper's words.
    @discardableResult
    public func join(_ name: String) async -> Bool {
        do {
            _ = try await env.call { client in try client.joinLeaderboard(name: name) }
            state.joinError = nil
            await reload()
            return true
        } catch {
            state.joinError = env.message(error)
            return false
        }
    }

    /// The name field was closed: its error goes with it.
    public func clearJoinError() {
        state.joinError = nil
    }

    /// Leaves the boards (works offline; sent with the next sync).
    public func leave() async {
        do {
            try await env.call { client in try client.leaveLeaderboard() }
            await reload()
        } catch {
            state.notice = env.message(error)
        }
    }

    public func run() async {
        await reload()
        let syncs = Task { [weak self, sync] in
            guard let sync else {
                return
            }
            for await status in sync.statuses() {
                self?.state.notice = status.notice
            }
        }
        defer {
            syncs.cancel()
        }
        await env.follow([.goals]) {
            await self.reload()
        }
    }
}
