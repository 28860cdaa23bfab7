// Applies the card model's window decisions to the device: full brightness
// and no auto-lock while the card is in front and the scene is active.
// iOS keeps a changed UIScreen brightness after the app leaves (until the
// device locks), so the saved value is put back as soon as the scene stops
// being active, not only when the card screen goes away.
import LoyaltyPresentation
import SwiftUI
import UIKit

@MainActor
final class ScreenControl {
    static let shared = ScreenControl()

    private var savedBrightness: CGFloat?

    func apply(_ window: WindowState, sceneActive: Bool) {
        let screen = UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .first { $0.activationState == .foregroundActive }?.screen
        let bright = window.fullBrightness && sceneActive
        if bright, savedBrightness == nil, let screen {
            savedBrightness = screen.brightness
            screen.brightness = 1
        } else if !bright, let saved = savedBrightness {
            // The screen of any of our scenes: the one that just left the foreground is no longer "active".
            let any = screen ?? UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }.first?.screen
            any?.brightness = saved
            savedBrightness = nil
        }
        UIApplication.shared.isIdleTimerDisabled = window.keepScreenOn && sceneActive
    }
}
