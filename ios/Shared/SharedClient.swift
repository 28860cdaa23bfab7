// What the app and its Notification Service Extension share: the app group
// folder the wallet database lives in, the Keychain access group of the
// card secret and of the LOY2 device key, the server URL, and how a client
// is opened on them. Both processes open their own LoyaltyClient on the same
// folder; the core's database is safe to share between them (WAL, one
// writer at a time).
import Foundation
import LoyaltyCore

enum SharedClient {
    /// Read from Info.plist (set from project.yml), so the ids live in one place.
    static let appGroup = info("LoyaltyAppGroup") ?? "group.app.loyalty"
    static let keychainGroup = info("LoyaltyKeychainGroup")
    static let serverURL = info("LoyaltyServerURL")

    /// The device key that signs LOY2 codes (Secure Enclave; deleted after a
    /// sign-out). Both processes pass it, though only the app shows the card
    /// or syncs: a client without it would make a software key of its own,
    /// and were it ever to sync, it would move the member's credential onto
    /// that key. It is one Keychain item in the shared access group, made
    /// only when a client asks for it (the enrollment).
    static let deviceKey = SecureEnclaveSigner(accessGroup: keychainGroup)

    /// The wallet folder inside the app group container (created when missing).
    ///
    /// Data protection "complete until first user authentication": encrypted
    /// with the device passcode until the first unlock after a restart, then
    /// readable while locked, which the notification service extension needs
    /// to store a push on a locked phone (`complete` would refuse it). Kept
    /// out of iCloud and iTunes backups: the server restores a member on a
    /// new phone, and the Keychain items are `ThisDeviceOnly` anyway.
    static func dataDir() throws -> URL {
        guard let container = FileManager.default.containerURL(forSecurityApplicationGroupIdentifier: appGroup) else {
            throw LoyaltyError.Failure(code: "invalid_config", reason: "the app group \(appGroup) is not in the entitlements")
        }
        var dir = container.appendingPathComponent("Library/Application Support/loyalty", isDirectory: true)
        let protection = [FileAttributeKey.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication]
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: protection)
        try FileManager.default.setAttributes(protection, ofItemAtPath: dir.path)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        return dir
    }

    /// A client on the shared folder, the Keychain and os_log; `category` names the process in the log.
    static func open(category: String) throws -> LoyaltyClient {
        let config = ClientConfig(
            dataDir: try dataDir().path,
            serverUrl: serverURL,
            programJson: nil,
            deepLinkScheme: nil,
            secretStore: KeychainSecretStore(accessGroup: keychainGroup),
            tokenProvider: nil,
            logSink: OSLogSink(category: category),
            logLevel: .info,
            clock: nil,
            deviceSigner: deviceKey
        )
        return try LoyaltyClient(config: config)
    }

    private static func info(_ key: String) -> String? {
        guard let value = Bundle.main.object(forInfoDictionaryKey: key) as? String, !value.isEmpty else {
            return nil
        }
        return value
    }
}
