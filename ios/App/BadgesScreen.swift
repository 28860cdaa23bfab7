// Badges in a grid: level, progress to the next level, the day earned.
import LoyaltyPresentation
import SwiftUI
import UIKit

struct BadgesScreen: View {
    let model: BadgesModel
    let texts: Texts

    var body: some View {
        let s = model.state
        NavigationStack {
            ScrollView {
                if let notice = s.notice {
                    Text(notice).font(.footnote).foregroundStyle(.secondary)
                }
                if let empty = s.empty {
                    Text(empty).foregroundStyle(.secondary).padding()
                }
                LazyVGrid(columns: [GridItem(.adaptive(minimum: 150), spacing: 12)], spacing: 12) {
                    ForEach(s.badges) { tile in
                        VStack(spacing: 6) {
                            Image(systemName: tile.earned ? "rosette" : "circle.dashed")
                                .font(.largeTitle)
                                .foregroundStyle(tile.earned ? Color.orange : Color.secondary)
                            Text(tile.title).font(.headline).multilineTextAlignment(.center)
                            Text(tile.level).font(.caption)
                            ProgressView(value: tile.progress)
                            if let next = tile.next {
                                Text(next).font(.caption2).foregroundStyle(.secondary).multilineTextAlignment(.center)
                            }
                            if let day = tile.earnedOn {
                                Text(day).font(.caption2).foregroundStyle(.secondary)
                            }
                        }
                        .padding()
                        .background(RoundedRectangle(cornerRadius: 12).fill(Color(uiColor: .secondarySystemBackground)))
                        .accessibilityElement(children: .combine)
                    }
                }
                .padding()
            }
            .navigationTitle(texts.tabBadges)
        }
        .task {
            await model.run()
        }
    }
}
