// The app's entry point: one client and one set of screen models for the
// process, push registration through the app delegate, and the root view.
import LoyaltyCore
import LoyaltyPresentation
import SwiftUI

@main
struct LoyaltyApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup {
            RootView(app: AppModel.shared)
        }
    }
}
