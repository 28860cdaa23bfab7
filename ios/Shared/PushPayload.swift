// An APNs userInfo as the JSON text the core's ingestPush reads (it finds
// the message under "loyalty", the alert under "aps").
import Foundation

enum PushPayload {
    /// The userInfo as JSON, or nil when it cannot be written as JSON.
    static func json(_ userInfo: [AnyHashable: Any]) -> String? {
        var object: [String: Any] = [:]
        for (key, value) in userInfo {
            if let name = key as? String {
                object[name] = value
            }
        }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object) else {
            return nil
        }
        return String(data: data, encoding: .utf8)
    }

    /// The message id of a loyalty push, for opening it when the shopper taps the notification.
    static func messageId(_ userInfo: [AnyHashable: Any]) -> String? {
        (userInfo["loyalty"] as? [String: Any])?["message_id"] as? String
    }
}
