// Onboarding or the member's tabs, decided by the onboarding model (a card
// on the phone means the tabs, at once and offline).
import LoyaltyPresentation
import SwiftUI

struct RootView: View {
    @Bindable var app: AppModel

    var body: some View {
        if let screens = app.screens {
            MemberOrOnboarding(app: app, screens: screens)
        } else {
            ContentUnavailableView(app.openError ?? "", systemImage: "exclamationmark.triangle")
        }
    }
}

private struct MemberOrOnboarding: View {
    @Bindable var app: AppModel
    let screens: AppModel.Screens
    @Environment(\.scenePhase) private var scenePhase

    var body: some View {
        Group {
            switch screens.onboarding.root {
            case .member:
                tabs
            case .onboarding:
                OnboardingScreen(model: screens.onboarding)
            }
        }
        .task {
            await screens.onboarding.load()
        }
        .task(id: screens.onboarding.root) {
            // A member on the phone (at launch, or just enrolled): sync once.
            if screens.onboarding.root == .member {
                await screens.sync.sync()
            }
        }
        .onChange(of: scenePhase) { _, phase in
            if phase == .active {
                Task { await app.becameActive() }
            }
        }
    }

    private var tabs: some View {
        let t = screens.env.texts
        return TabView(selection: $app.tab) {
            CardScreen(model: screens.card, texts: t)
                .tabItem { Label(t.tabCard, systemImage: "qrcode") }
                .tag(AppModel.Tab.card)
            WalletScreen(model: screens.wallet, texts: t)
                .tabItem { Label(t.tabWallet, systemImage: "creditcard") }
                .tag(AppModel.Tab.wallet)
            ChallengesScreen(model: screens.challenges, leaderboards: screens.leaderboards, texts: t)
                .tabItem { Label(t.tabChallenges, systemImage: "flag.checkered") }
                .tag(AppModel.Tab.challenges)
            BadgesScreen(model: screens.badges, texts: t)
                .tabItem { Label(t.tabBadges, systemImage: "rosette") }
                .tag(AppModel.Tab.badges)
            InboxScreen(model: screens.inbox, texts: t)
                .tabItem { Label(t.tabInbox, systemImage: "tray") }
                .badge(Int(screens.inbox.state.unreadCount))
                .tag(AppModel.Tab.inbox)
            SettingsScreen(onboarding: screens.onboarding, texts: t)
                .tabItem { Label(t.settings, systemImage: "gearshape") }
                .tag(AppModel.Tab.settings)
        }
        .task {
            // The unread badge follows the inbox even while another tab shows.
            await screens.inbox.run()
        }
    }
}
