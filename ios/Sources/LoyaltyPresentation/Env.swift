// What every screen model shares: the one client of the process, the
// shopper's language and time zone, "now" for dates, the change listener as
// an AsyncStream, and the sync coordinator (Env.kt on Android).
import Foundation
import LoyaltyCore
import Observation

/// The client, the shopper's language and zone, and the clock for "this year" in dates.
public final class Env: Sendable {
    public let client: LoyaltyClient
    public let format: Format
    public let texts: Texts
    public let nowMs: @Sendable () -> Int64

    public init(client: LoyaltyClient, format: Format, nowMs: @escaping @Sendable () -> Int64 = { Env.systemNowMs() }) {
        self.client = client
        self.format = format
        self.texts = Texts.of(format.lang)
        self.nowMs = nowMs
    }

    /// Milliseconds since the epoch by the device's clock.
    public static func systemNowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The shopper-facing message for a failure.
    public func message(_ error: Error) -> String {
        ErrorTexts.message(loyaltyErrorCode(error), format.lang)
    }

    /// Runs a blocking client call off the main thread (the storage calls of the client are synchronous).
    public func call<T: Sendable>(_ body: @escaping @Sendable (LoyaltyClient) throws -> T) async throws -> T {
        let client = self.client
        return try await Task.detached(priority: .userInitiated) {
            try body(client)
        }.value
    }

    /// Calls `reload` whenever one of `areas` changes (by the app, a push or a sync), until the task is cancelled.
    @MainActor
    public func follow(_ areas: Set<ChangeArea>, _ reload: @MainActor () async -> Void) async {
        for await changed in client.changes() where !changed.isDisjoint(with: areas) {
            await reload()
        }
    }
}

extension LoyaltyClient {
    /// Changes as an AsyncStream: iterating subscribes, ending the iteration (or its task) cancels the subscription.
    public func changes() -> AsyncStream<Set<ChangeArea>> {
        let (stream, continuation) = AsyncStream.makeStream(of: Set<ChangeArea>.self)
        let subscription = subscribe(listener: StreamListener(continuation))
        continuation.onTermination = { _ in
            subscription.cancel()
        }
        return stream
    }
}

/// Hands the core's change notifications to an AsyncStream (never blocks the core's thread).
private final class StreamListener: ChangeListener, @unchecked Sendable {
    private let continuation: AsyncStream<Set<ChangeArea>>.Continuation

    init(_ continuation: AsyncStream<Set<ChangeArea>>.Continuation) {
        self.continuation = continuation
    }

    func onChange(areas: [ChangeArea]) {
        continuation.yield(Set(areas))
    }
}

/// Where the last sync stands: shown as a non-blocking notice, never in the card's way.
public struct SyncStatus: Equatable, Sendable {
    public var running = false
    /// The error code of the last sync, when it failed.
    public var errorCode: String?
    /// What to tell the shopper about it.
    public var notice: String?

    public init(running: Bool = false, errorCode: String? = nil, notice: String? = nil) {
        self.running = running
        self.errorCode = errorCode
        self.notice = notice
    }
}

/// Runs syncs one at a time for every screen and keeps their outcome.
@MainActor
@Observable
public final class SyncCoordinator {
    public private(set) var status = SyncStatus()
    @ObservationIgnored private let env: Env
    @ObservationIgnored private var listeners: [UUID: AsyncStream<SyncStatus>.Continuation] = [:]

    public init(env: Env) {
        self.env = env
    }

    /// Every later status, for a model that reacts to syncs (the card, the wallet's notice).
    public func statuses() -> AsyncStream<SyncStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: SyncStatus.self)
        let id = UUID()
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { @MainActor in
                self?.listeners[id] = nil
            }
        }
        return stream
    }

    /// Syncs now; a failure becomes a notice (the card keeps working offline).
    public func sync() async {
        if status.running {
            return
        }
        publish(SyncStatus(running: true, errorCode: status.errorCode, notice: status.notice))
        do {
            _ = try await env.client.sync()
            publish(SyncStatus())
        } catch {
            let code = loyaltyErrorCode(error)
            publish(SyncStatus(errorCode: code, notice: code == "network" ? env.texts.offlineNotice : env.message(error)))
        }
    }

    private func publish(_ next: SyncStatus) {
        status = next
        for continuation in listeners.values {
            continuation.yield(next)
        }
    }
}
