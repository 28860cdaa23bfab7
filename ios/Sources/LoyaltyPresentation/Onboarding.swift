// Onboarding and the account part of settings (Onboarding.kt on Android):
// enroll, demo mode and sign-out, and whether the app shows onboarding or
// the member's screens.
import Foundation
import LoyaltyCore
import Observation

/// What onboarding shows.
public enum OnboardingState: Equatable, Sendable {
    /// The welcome screen with its buttons.
    case welcome(title: String, body: String, enroll: String, demo: String, error: String?)
    /// Waiting for the server.
    case working(message: String)
    /// Enrolled: the app moves on to the card.
    case ready(message: String)
}

/// Whether the app shows onboarding or the member's screens.
public enum Root: String, Sendable {
    case onboarding
    case member
}

/// Enroll, demo mode and sign-out. `afterSignOut` runs once a sign-out has
/// succeeded (not when it failed): the app deletes what the core does not
/// own, such as the device key of LOY2 codes.
@MainActor
@Observable
public final class OnboardingModel {
    public private(set) var state: OnboardingState
    public private(set) var root: Root = .onboarding
    @ObservationIgnored private let env: Env
    @ObservationIgnored private let afterSignOut: @MainActor () async -> Void

    public init(env: Env, afterSignOut: @escaping @MainActor () async -> Void = {}) {
        self.env = env
        self.afterSignOut = afterSignOut
        self.state = OnboardingModel.welcome(env.texts, error: nil)
    }

    /// Decides the first screen: a card on the phone means the member's screens, at once and offline.
    public func load() async {
        do {
            _ = try await env.call { client in try client.cardView() }
            root = .member
        } catch {
            root = .onboarding
        }
    }

    /// Enrolls with the server, then shows the card.
    public func enroll() async {
        state = .working(message: env.texts.enrolling)
        do {
            let me = try await env.client.enroll()
            root = .member
            state = .ready(message: env.texts.enrolled(last4: me.cardLast4))
        } catch {
            state = OnboardingModel.welcome(env.texts, error: env.message(error))
        }
    }

    /// Demo mode: the demo wallet, no server needed.
    public func startDemo() async {
        do {
            let number = try await env.call { client -> String in
                try client.startDemo()
                return try client.cardView().displayNumber
            }
            root = .member
            state = .ready(message: env.texts.enrolled(last4: String(number.filter { $0.isASCII && $0.isNumber }.suffix(4))))
        } catch {
            state = OnboardingModel.welcome(env.texts, error: env.message(error))
        }
    }

    /// Signs out: everything of the member leaves the phone; back to onboarding.
    public func signOut() async {
        state = .working(message: env.texts.signingOut)
        do {
            _ = try await env.client.signOut()
            await afterSignOut()
            root = .onboarding
            state = OnboardingModel.welcome(env.texts, error: nil)
        } catch {
            state = OnboardingModel.welcome(env.texts, error: env.message(error))
        }
    }

    private static func welcome(_ t: Texts, error: String?) -> OnboardingState {
        .welcome(title: t.welcomeTitle, body: t.welcomeBody, enroll: t.enroll, demo: t.tryDemo, error: error)
    }
}
