// The card screen: the code on white with its quiet zone (whatever the
// theme), the countdown, for a LOY2 code that it works offline, why a LOY2
// card shows its LOY1 code when it does, the switch to the linear barcode,
// and the window decisions applied while it shows. Named CardScreen: CardView is the core's record.
import LoyaltyPresentation
import SwiftUI
import UIKit

struct CardScreen: View {
    let model: CardModel
    let texts: Texts
    @Environment(\.scenePhase) private var scenePhase

    var body: some View {
        NavigationStack {
            content
                .padding()
                .navigationTitle(texts.cardTitle)
        }
        .task {
            await model.run()
        }
        .onAppear {
            model.onVisible(true)
            ScreenControl.shared.apply(model.window, sceneActive: scenePhase == .active)
        }
        .onDisappear {
            model.onVisible(false)
            ScreenControl.shared.apply(model.window, sceneActive: scenePhase == .active)
        }
        .onChange(of: model.window) { _, window in
            ScreenControl.shared.apply(window, sceneActive: scenePhase == .active)
        }
        .onChange(of: scenePhase) { _, phase in
            ScreenControl.shared.apply(model.window, sceneActive: phase == .active)
        }
        .overlay {
            // The app switcher's snapshot is taken once the scene is inactive: it shows no code.
            if model.window.secure && scenePhase != .active {
                Color(uiColor: .systemBackground).ignoresSafeArea()
            }
        }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .loading:
            ProgressView()
        case .noCard(let message), .failed(let message):
            ContentUnavailableView(message, systemImage: "creditcard.trianglebadge.exclamationmark")
        case .shown(let card):
            shown(card)
        }
    }

    /// Scrolls rather than squeezes: at large Dynamic Type sizes the texts grow
    /// and scroll, the code keeps the full width (never under 2 px a module).
    private func shown(_ card: ShownCard) -> some View {
        ScrollView {
            shownContent(card)
                .padding()
        }
    }

    private func shownContent(_ card: ShownCard) -> some View {
        VStack(spacing: 16) {
            if let warning = card.clockWarning {
                Label(warning, systemImage: "clock.badge.exclamationmark")
                    .foregroundStyle(.red)
            }
            if let qr = card.qr {
                QrCodeImage(qr: qr)
                    .frame(maxWidth: .infinity)
                    .accessibilityLabel(card.codeDescription)
            } else if let bars = card.bars {
                BarcodeImage(bars: bars)
                    .accessibilityLabel(card.codeDescription)
            }
            Text(card.number)
                .font(.title2.monospacedDigit())
                .accessibilityLabel(card.numberDescription)
            if let countdown = card.countdown {
                Text(countdown)
                    .font(.callout)
                    .monospacedDigit()
            }
            // A LOY2 code: the till checks it without a network.
            if let offline = card.offlineNote {
                Text(offline)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .multilineTextAlignment(.center)
            }
            // A LOY2 card showing its LOY1 code: it still pays, at a till that is online.
            if let codeNotice = card.codeNotice {
                Label(codeNotice, systemImage: "wifi.exclamationmark")
                    .font(.callout)
                    .multilineTextAlignment(.leading)
                    .padding(12)
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .background(Color.secondary.opacity(0.15), in: RoundedRectangle(cornerRadius: 12))
            }
            if let note = card.screenshotNote {
                Text(note)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .multilineTextAlignment(.center)
            }
            if card.canSwitch {
                Button(card.switchLabel) {
                    Task { await model.toggleCode() }
                }
            }
            if let notice = card.notice {
                Text(notice)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
    }
}
