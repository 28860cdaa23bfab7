// Welcome: get a card from the server, or try the demo wallet.
import LoyaltyPresentation
import SwiftUI

struct OnboardingScreen: View {
    let model: OnboardingModel

    var body: some View {
        VStack(spacing: 20) {
            Spacer()
            switch model.state {
            case .welcome(let title, let body, let enroll, let demo, let error):
                Image(systemName: "creditcard.fill").font(.system(size: 64))
                Text(title).font(.largeTitle.bold()).multilineTextAlignment(.center)
                Text(body).multilineTextAlignment(.center).foregroundStyle(.secondary)
                if let error {
                    Text(error).foregroundStyle(.red).multilineTextAlignment(.center)
                }
                Button(enroll) {
                    Task { await model.enroll() }
                }
                .buttonStyle(.borderedProminent)
                Button(demo) {
                    Task { await model.startDemo() }
                }
            case .working(let message):
                ProgressView()
                Text(message)
            case .ready(let message):
                Text(message).font(.title3)
            }
            Spacer()
        }
        .padding()
    }
}
