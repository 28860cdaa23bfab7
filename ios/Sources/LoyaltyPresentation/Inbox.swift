// The inbox screen (Inbox.kt on Android): the core's order (pinned, priority,
// newest), read on open, swipe to dismiss, activate an offer's coupon.
import Foundation
import LoyaltyCore
import Observation

/// One message in the inbox.
public struct MessageLine: Equatable, Sendable, Identifiable {
    public let id: String
    public let title: String
    public let body: String
    public let date: String
    public let unread: Bool
    public let pinned: Bool
    /// An offer whose coupon can be activated.
    public let canActivate: Bool
    /// "Coupon in your wallet" once activated.
    public let activated: String?
    public let expires: String?
    public let deepLink: String?
}

/// The inbox screen.
public struct InboxState: Equatable, Sendable {
    public var loading = true
    public var messages: [MessageLine] = []
    /// For the tab badge: 0 hides it.
    public var unreadCount: Int64 = 0
    public var unreadText: String?
    public var empty: String?
    public var notice: String?

    public init() {}
}

/// The inbox screen's model.
@MainActor
@Observable
public final class InboxModel {
    public private(set) var state = InboxState()
    @ObservationIgnored private let env: Env

    public init(env: Env) {
        self.env = env
    }

    public func reload() async {
        do {
            let list = try await env.call { client in try client.inbox(includeHidden: false) }
            let count = try await env.call { client in try client.unreadCount() }
            let unread = Int64(count)
            var next = InboxState()
            next.loading = false
            next.messages = list.map(line)
            next.unreadCount = unread
            next.unreadText = unread > 0 ? env.texts.unread(unread) : nil
            next.empty = list.isEmpty ? env.texts.noMessages : nil
            state = next
        } catch {
            state.loading = false
            state.notice = env.message(error)
        }
    }

    /// The shopper opened a message: it is read from now on.
    public func open(_ id: String) async {
        await act { client in try client.markRead(messageId: id) }
    }

    /// Swiped away: dismissed for good (a later copy stays dismissed).
    public func dismiss(_ id: String) async {
        await act { client in try client.dismiss(messageId: id) }
    }

    /// Activates an offer: its coupon appears in the wallet.
    public func activate(_ id: String) async {
        await act { client in try client.activateOffer(messageId: id) }
    }

    public func run() async {
        await reload()
        await env.follow([.inbox]) {
            await self.reload()
        }
    }

    private func act(_ body: @escaping @Sendable (LoyaltyClient) throws -> Void) async {
        do {
            try await env.call(body)
        } catch {
            state.notice = env.message(error)
        }
    }

    private func line(_ m: InboxMessage) -> MessageLine {
        let f = env.format
        let now = env.nowMs()
        return MessageLine(
            id: m.id,
            title: m.title,
            body: m.body,
            date: f.date(m.receivedAtMs, nowMs: now),
            unread: m.state == "unread",
            pinned: m.pinned,
            canActivate: m.hasCoupon && !m.activated,
            activated: m.activated ? env.texts.activated : nil,
            expires: m.expiresAtMs.map { env.texts.expires(f.date($0, nowMs: now)) },
            deepLink: m.deepLink
        )
    }
}
