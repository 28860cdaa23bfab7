// What the process shares: the one LoyaltyClient (its database in the app
// group folder, the card secret in the Keychain, the LOY2 device key in the
// Secure Enclave, its log in os_log) and the screen models, built for the
// shopper's language and time zone.
import Foundation
import LoyaltyCore
import LoyaltyPresentation
import Observation
import os

@MainActor
@Observable
final class AppModel {
    static let shared = AppModel()

    /// The models, or nil when the client could not be opened.
    let screens: Screens?
    /// Why the client could not be opened (a message for the shopper).
    let openError: String?
    /// The tab to show (a tapped notification opens the inbox).
    var tab: Tab = .card

    enum Tab: Hashable {
        case card
        case wallet
        case challenges
        case badges
        case inbox
        case settings
    }

    /// One model per screen over the same client.
    struct Screens {
        let env: Env
        let sync: SyncCoordinator
        let card: CardModel
        let wallet: WalletModel
        let challenges: ChallengesModel
        let badges: BadgesModel
        let inbox: InboxModel
        let leaderboards: LeaderboardsModel
        let onboarding: OnboardingModel
    }

    private init() {
        let format = Format(lang: Lang.of(Locale.current), zone: TimeZone.current)
        do {
            let client = try SharedClient.open(category: "app")
            let env = Env(client: client, format: format)
            let sync = SyncCoordinator(env: env)
            screens = Screens(
                env: env,
                sync: sync,
                card: CardModel(env: env, sync: sync),
                wallet: WalletModel(env: env, sync: sync),
                challenges: ChallengesModel(env: env),
                badges: BadgesModel(env: env),
                inbox: InboxModel(env: env),
                leaderboards: LeaderboardsModel(env: env, sync: sync),
                onboarding: OnboardingModel(env: env, afterSignOut: AppModel.deleteDeviceKey)
            )
            openError = nil
        } catch {
            Logger(subsystem: "app.loyalty", category: "app").error("cannot open the wallet: \(String(describing: error), privacy: .public)")
            screens = nil
            openError = ErrorTexts.message(loyaltyErrorCode(error), format.lang)
        }
    }

    /// After a sign-out: the next member gets a new device key. When the
    /// Keychain refuses, the old key stays and is used again (the wallet is
    /// gone all the same; only the key would link the two members).
    private static func deleteDeviceKey() async {
        do {
            try SharedClient.deviceKey.delete()
        } catch {
            Logger(subsystem: "app.loyalty", category: "app").error("device key not deleted: \(String(describing: error), privacy: .public)")
        }
    }

    /// A push the app received itself (in the foreground, or a background push): the core stores it once.
    func ingest(_ userInfo: [AnyHashable: Any]) async {
        guard let screens, let json = PushPayload.json(userInfo) else {
            return
        }
        _ = try? await screens.env.call { client in try client.ingestPush(payloadJson: json) }
        // The notification service extension may have stored it already, in its
        // own process: this client heard nothing then, so the inbox reads again.
        await screens.inbox.reload()
    }

    /// The app came to the front: what the notification service extension
    /// wrote meanwhile (another process, another client) is read again, and a
    /// member's wallet syncs with the server.
    func becameActive() async {
        guard let screens else {
            return
        }
        await screens.inbox.reload()
        await screens.wallet.reload()
        await screens.challenges.reload()
        await screens.badges.reload()
        await screens.leaderboards.reload()
        await screens.card.reload()
        if screens.onboarding.root == .member {
            await screens.sync.sync()
        }
    }

    /// The shopper tapped a notification: the message is read, the inbox shows.
    func open(_ userInfo: [AnyHashable: Any]) async {
        await ingest(userInfo)
        tab = .inbox
        if let screens, let id = PushPayload.messageId(userInfo) {
            await screens.inbox.open(id)
        }
    }
}
