// Push: asks for permission, registers with APNs, stores pushes the app
// receives itself (the Notification Service Extension stores the ones that
// arrive while the app is not running), and opens the inbox on a tap.
import LoyaltyPresentation
import os
import SwiftUI
import UIKit
import UserNotifications

final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    private let log = Logger(subsystem: "app.loyalty", category: "push")

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        let center = UNUserNotificationCenter.current()
        center.delegate = self
        center.requestAuthorization(options: [.alert, .badge, .sound]) { granted, error in
            if let error {
                self.log.error("notification permission: \(error.localizedDescription, privacy: .public)")
            }
            self.log.info("notifications allowed: \(granted, privacy: .public)")
        }
        application.registerForRemoteNotifications()
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        // The core has no call for the device token yet; the backend learns it from the app's own API.
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        log.info("APNs token: \(hex, privacy: .private)")
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        log.error("APNs registration failed: \(error.localizedDescription, privacy: .public)")
    }

    /// A background (content-available) push.
    func application(_ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any]) async -> UIBackgroundFetchResult {
        await AppModel.shared.ingest(userInfo)
        return .newData
    }

    /// A push while the app is in front: stored, and shown as a banner.
    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        await AppModel.shared.ingest(notification.request.content.userInfo)
        return [.banner, .list, .sound]
    }

    /// The shopper tapped a notification.
    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        await AppModel.shared.open(response.notification.request.content.userInfo)
    }
}
