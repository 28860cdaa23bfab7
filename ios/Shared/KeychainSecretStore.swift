// The card secret in the Keychain: a generic password per key, readable
// after the first unlock (a push can arrive while the phone is locked) and
// never leaving this device (no iCloud Keychain, no backup restore onto
// another phone). The access group is shared with the extension.
import Foundation
import LoyaltyCore
import Security

final class KeychainSecretStore: SecretStore, @unchecked Sendable {
    private let service = "app.loyalty.secrets"
    private let accessGroup: String?

    init(accessGroup: String?) {
        self.accessGroup = accessGroup
    }

    func get(key: String) throws -> Data? {
        var query = base(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            return item as? Data
        case errSecItemNotFound:
            return nil
        default:
            throw failure("read", status)
        }
    }

    func put(key: String, secret: Data) throws {
        let update: [String: Any] = [
            kSecValueData as String: secret,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let status = SecItemUpdate(base(key) as CFDictionary, update as CFDictionary)
        if status == errSecSuccess {
            return
        }
        guard status == errSecItemNotFound else {
            throw failure("update", status)
        }
        var add = base(key)
        add[kSecValueData as String] = secret
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else {
            throw failure("add", added)
        }
    }

    func delete(key: String) throws {
        let status = SecItemDelete(base(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw failure("delete", status)
        }
    }

    private func base(_ key: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
            kSecUseDataProtectionKeychain as String: true,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        return query
    }

    /// The core maps this to `secret_store` ("unlock the phone and try again"); the status is for the log, never the secret.
    private func failure(_ what: String, _ status: OSStatus) -> LoyaltyError {
        LoyaltyError.Failure(code: "secret_store", reason: "Keychain \(what) failed with OSStatus \(status)")
    }
}
