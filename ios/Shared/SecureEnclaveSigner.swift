// The device key of LOY2 codes: an EC P-256 key in the Secure Enclave, its
// private half never leaving it; on the simulator and on devices without an
// enclave, a software key kept in the Keychain instead. Made on first use
// (the enrollment asks for the public key) under one fixed application tag,
// readable after the first unlock and never leaving this device (no iCloud
// Keychain, no backup restored onto another phone), in the access group the
// app and the extension share. No user presence: the card must show at once,
// offline, while the shopper is in a hurry at the till (the core asks for at
// most one signature per 30 s step). Deleted at sign-out.
import CryptoKit
import Foundation
import LoyaltyCore
import Security

final class SecureEnclaveSigner: DeviceSigner, @unchecked Sendable {
    /// The fixed application tag of the key.
    static let appTag = Data("app.loyalty.device-key.v1".utf8)

    private let accessGroup: String?
    private let tag: Data
    private let enclave: Bool
    private let lock = NSLock()
    /// The key, once found or made: showing the card costs no Keychain lookup
    /// beyond the signature. Any failure forgets it, so the next call looks again.
    private var key: SecKey?

    /// By default the Secure Enclave is used wherever the device has one
    /// (`enclave` false makes a software key); tests pass a tag of their own.
    init(accessGroup: String?, tag: Data = SecureEnclaveSigner.appTag, enclave: Bool = SecureEnclave.isAvailable) {
        self.accessGroup = accessGroup
        self.tag = tag
        self.enclave = enclave
    }

    /// SEC1 uncompressed, 65 bytes (0x04 ‖ x ‖ y): what `SecKeyCopyExternalRepresentation` gives for a P-256 public key.
    func publicKey() throws -> Data {
        try locked {
            let secKey = try privateKey()
            guard let publicHalf = SecKeyCopyPublicKey(secKey) else {
                throw failure("read the public key of", status: errSecInvalidKeyRef)
            }
            var error: Unmanaged<CFError>?
            guard let data = SecKeyCopyExternalRepresentation(publicHalf, &error) as Data? else {
                throw failure("export the public key of", error: error)
            }
            return data
        }
    }

    /// ECDSA P-256 over SHA-256 of `message`, X9.62 (DER), as the core reads it.
    func sign(message: Data) throws -> Data {
        try locked {
            let secKey = try privateKey()
            var error: Unmanaged<CFError>?
            guard let signature = SecKeyCreateSignature(secKey, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) as Data? else {
                throw failure("sign with", error: error)
            }
            return signature
        }
    }

    /// Deletes the key (at sign-out): the next member on this phone gets a
    /// new one, so the server cannot link two members by their device key.
    func delete() throws {
        try locked {
            key = nil
            let status = SecItemDelete(query() as CFDictionary)
            guard status == errSecSuccess || status == errSecItemNotFound else {
                throw failure("delete", status: status)
            }
        }
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try body()
        } catch {
            key = nil
            throw error
        }
    }

    private func privateKey() throws -> SecKey {
        if let key {
            return key
        }
        let found = try existing()
        let made = try found ?? create()
        key = made
        return made
    }

    /// The private key item under the tag (in the enclave or in software alike).
    private func query() -> [String: Any] {
        var item: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrApplicationTag as String: tag,
            kSecUseDataProtectionKeychain as String: true,
        ]
        if let accessGroup {
            item[kSecAttrAccessGroup as String] = accessGroup
        }
        return item
    }

    private func existing() throws -> SecKey? {
        var lookup = query()
        lookup[kSecReturnRef as String] = true
        lookup[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(lookup as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let item, CFGetTypeID(item) == SecKeyGetTypeID() else {
                throw failure("read", status: errSecInternalError)
            }
            return (item as! SecKey)
        case errSecItemNotFound:
            return nil
        default:
            throw failure("read", status: status)
        }
    }

    private func create() throws -> SecKey {
        // The enclave's keys need .privateKeyUsage; no .userPresence or biometry.
        var accessError: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, enclave ? .privateKeyUsage : [], &accessError
        ) else {
            throw failure("protect", error: accessError)
        }
        var privateAttributes: [String: Any] = [
            kSecAttrIsPermanent as String: true,
            kSecAttrApplicationTag as String: tag,
            kSecAttrAccessControl as String: access,
        ]
        if let accessGroup {
            privateAttributes[kSecAttrAccessGroup as String] = accessGroup
        }
        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecPrivateKeyAttrs as String: privateAttributes,
            kSecUseDataProtectionKeychain as String: true,
        ]
        if enclave {
            attributes[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        }
        var error: Unmanaged<CFError>?
        guard let made = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw failure("make", error: error)
        }
        return made
    }

    /// The core shows the LOY1 code with `signer_failed`; the status is for the log, never the key.
    private func failure(_ what: String, status: OSStatus) -> LoyaltyError {
        LoyaltyError.Failure(code: "secret_store", reason: "the Keychain could not \(what) the device key (OSStatus \(status))")
    }

    private func failure(_ what: String, error: Unmanaged<CFError>?) -> LoyaltyError {
        let code = error.map { CFErrorGetCode($0.takeRetainedValue()) } ?? 0
        return LoyaltyError.Failure(code: "secret_store", reason: "the Keychain could not \(what) the device key (error \(code))")
    }
}
