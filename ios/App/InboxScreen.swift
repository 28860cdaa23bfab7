// The inbox in the core's order: tap to read, swipe to dismiss, swipe the
// other way (or tap the button) to activate an offer's coupon.
import LoyaltyPresentation
import SwiftUI

struct InboxScreen: View {
    let model: InboxModel
    let texts: Texts
    @Environment(\.openURL) private var openURL

    var body: some View {
        let s = model.state
        NavigationStack {
            List {
                if let notice = s.notice {
                    Text(notice).font(.footnote).foregroundStyle(.secondary)
                }
                if let empty = s.empty {
                    Text(empty).foregroundStyle(.secondary)
                }
                ForEach(s.messages) { message in
                    row(message)
                        .contentShape(Rectangle())
                        .onTapGesture {
                            Task { await model.open(message.id) }
                            if let link = message.deepLink, let url = URL(string: link) {
                                openURL(url)
                            }
                        }
                        .swipeActions(edge: .trailing, allowsFullSwipe: true) {
                            Button(texts.dismiss, role: .destructive) {
                                Task { await model.dismiss(message.id) }
                            }
                        }
                        .swipeActions(edge: .leading) {
                            if message.canActivate {
                                Button(texts.activate) {
                                    Task { await model.activate(message.id) }
                                }
                                .tint(.green)
                            }
                        }
                }
            }
            .navigationTitle(texts.tabInbox)
            .toolbar {
                if let unread = s.unreadText {
                    ToolbarItem(placement: .topBarTrailing) {
                        Text(unread).font(.footnote).foregroundStyle(.secondary)
                    }
                }
            }
        }
    }

    private func row(_ m: MessageLine) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                if m.unread {
                    Circle().fill(Color.accentColor).frame(width: 8, height: 8)
                }
                Text(m.title).font(m.unread ? .headline : .body)
                Spacer()
                if m.pinned {
                    Image(systemName: "pin.fill").accessibilityLabel(texts.pinned)
                }
            }
            Text(m.body).font(.subheadline).foregroundStyle(.secondary)
            HStack {
                Text(m.date)
                if let expires = m.expires {
                    Text(expires)
                }
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            if let activated = m.activated {
                Label(activated, systemImage: "checkmark.seal").font(.caption)
            } else if m.canActivate {
                Button(texts.activate) {
                    Task { await model.activate(m.id) }
                }
                .buttonStyle(.bordered)
            }
        }
    }
}
