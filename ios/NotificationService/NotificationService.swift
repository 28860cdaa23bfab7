// The Notification Service Extension: every push with mutable-content
// passes here before it shows, even while the app is not running. It opens
// its own client on the shared app group folder (the same wallet database
// and Keychain group as the app), hands the userInfo to ingestPush — the
// core stores each message once, so the app ingesting the same push again
// is harmless — sets the icon badge to the unread count, and delivers the
// notification content.
import Foundation
import LoyaltyCore
import os
import UserNotifications

final class NotificationService: UNNotificationServiceExtension {
    private let log = Logger(subsystem: "app.loyalty", category: "push-extension")
    private var contentHandler: ((UNNotificationContent) -> Void)?
    private var content: UNMutableNotificationContent?

    /// One client per extension process (the system may reuse the process for later pushes).
    private static var client: LoyaltyClient?

    override func didReceive(_ request: UNNotificationRequest, withContentHandler contentHandler: @escaping (UNNotificationContent) -> Void) {
        self.contentHandler = contentHandler
        let content = (request.content.mutableCopy() as? UNMutableNotificationContent) ?? UNMutableNotificationContent()
        self.content = content
        do {
            let client = try NotificationService.openClient()
            if let json = PushPayload.json(request.content.userInfo) {
                let outcome = try client.ingestPush(payloadJson: json)
                log.info("push stored: \(String(describing: outcome), privacy: .public)")
            }
            content.badge = NSNumber(value: try client.unreadCount())
        } catch {
            // The notification still shows; the next sync brings the message.
            log.error("push not stored: \(String(describing: error), privacy: .public)")
        }
        deliver()
    }

    override func serviceExtensionTimeWillExpire() {
        deliver()
    }

    private func deliver() {
        if let handler = contentHandler, let content {
            contentHandler = nil
            handler(content)
        }
    }

    private static func openClient() throws -> LoyaltyClient {
        if let client {
            return client
        }
        let opened = try SharedClient.open(category: "push-extension")
        client = opened
        return opened
    }
}
