// Settings: sign out (everything of the member leaves the phone).
import LoyaltyPresentation
import SwiftUI

struct SettingsScreen: View {
    let onboarding: OnboardingModel
    let texts: Texts

    var body: some View {
        NavigationStack {
            List {
                Section {
                    switch onboarding.state {
                    case .working(let message):
                        HStack {
                            ProgressView()
                            Text(message)
                        }
                    case .welcome(_, _, _, _, let error):
                        if let error {
                            Text(error).foregroundStyle(.red)
                        }
                        signOut
                    case .ready:
                        signOut
                    }
                }
            }
            .navigationTitle(texts.settings)
        }
    }

    private var signOut: some View {
        Button(texts.signOut, role: .destructive) {
            Task { await onboarding.signOut() }
        }
    }
}
