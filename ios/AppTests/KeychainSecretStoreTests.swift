// The Keychain secret store on the simulator (hosted by the app, so the
// keychain access group of its entitlements applies).
@testable import Loyalty
import XCTest

final class KeychainSecretStoreTests: XCTestCase {
    func testPutGetReplaceDelete() throws {
        let store = KeychainSecretStore(accessGroup: nil)
        let key = "test-\(UUID().uuidString)"
        XCTAssertNil(try store.get(key: key))
        try store.put(key: key, secret: Data([1, 2, 3]))
        XCTAssertEqual(try store.get(key: key), Data([1, 2, 3]))
        try store.put(key: key, secret: Data([4]))
        XCTAssertEqual(try store.get(key: key), Data([4]))
        try store.delete(key: key)
        XCTAssertNil(try store.get(key: key))
        // Deleting what is not there is not an error.
        try store.delete(key: key)
    }

    func testPushPayloadIsJSONWithStringKeys() throws {
        let info: [AnyHashable: Any] = ["aps": ["alert": ["title": "T", "body": "B"]], "loyalty": ["kind": "offer", "message_id": "m-1"]]
        let json = try XCTUnwrap(PushPayload.json(info))
        let back = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual((back["loyalty"] as? [String: Any])?["message_id"] as? String, "m-1")
        XCTAssertEqual(PushPayload.messageId(info), "m-1")
    }
}
