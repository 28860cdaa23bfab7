// The generated Swift API, exercised offline on macOS (`swift test` after
// ./build-xcframework.sh). Not run on Linux: there is no Swift toolchain there.
import Foundation
import XCTest
@testable import LoyaltyCore

private let program = """
{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
 "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
 "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}],
 "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}
"""

/// What the app backs with the Keychain.
final class DictSecrets: SecretStore, @unchecked Sendable {
    private var data: [String: Data] = [:]
    private let lock = NSLock()
    func get(key: String) throws -> Data? { lock.lock(); defer { lock.unlock() }; return data[key] }
    func put(key: String, secret: Data) throws { lock.lock(); defer { lock.unlock() }; data[key] = secret }
    func delete(key: String) throws { lock.lock(); defer { lock.unlock() }; data[key] = nil }
}

final class Changes: ChangeListener, @unchecked Sendable {
    private(set) var areas: [ChangeArea] = []
    private let lock = NSLock()
    func onChange(areas: [ChangeArea]) { lock.lock(); defer { lock.unlock() }; self.areas += areas }
}

final class ClientTests: XCTestCase {
    private func open() throws -> LoyaltyClient {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        return try LoyaltyClient(config: ClientConfig(dataDir: dir.path, programJson: program, secretStore: DictSecrets()))
    }

    func testOfflineJourney() throws {
        let client = try open()
        XCTAssertEqual(try client.walletSnapshot(expiringDays: 30, historyLimit: 10).balance, 0)
        let changes = Changes()
        var subscription: ChangeSubscription? = client.subscribe(listener: changes)
        let push = #"{"kind":"offer","message_id":"m-1","title":"15% off","body":"Show your card","coupon_percent":"15"}"#
        guard case .new(let id) = try client.ingestPush(payloadJson: push) else { return XCTFail("expected a new message") }
        XCTAssertEqual(id, "m-1")
        try client.activateOffer(messageId: "m-1")
        XCTAssertEqual(changes.areas, [.inbox, .inbox, .wallet])
        subscription = nil  // deinit unsubscribes
        _ = subscription
        _ = try client.ingestPush(payloadJson: #"{"kind":"message","message_id":"m-2","title":"Hi","body":"There"}"#)
        XCTAssertEqual(changes.areas.count, 3)
        XCTAssertEqual(try client.walletSnapshot(expiringDays: 30, historyLimit: 10).coupons.map(\.id), ["offer:m-1"])
    }

    func testCardAndErrors() throws {
        let client = try open()
        XCTAssertThrowsError(try client.cardView()) { error in
            guard case LoyaltyError.Failure(let code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, "no_card")
        }
        try client.enrollCard(cardNumber: "2000000000015", secretHex: "3132333435363738393031323334353637383930")
        let view = try client.cardView()
        XCTAssertTrue(view.payload.contains("2000000000015"))
        XCTAssertGreaterThanOrEqual(view.qrSide, 21)
        XCTAssertThrowsError(try client.redeemReward(rewardId: "c1")) { error in
            guard case LoyaltyError.Failure(let code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, "insufficient_points")
        }
    }
}
