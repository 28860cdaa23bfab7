// Challenges with their progress, time left, reward and a Join button for
// opt-in ones; the leaderboards open from the top of the list.
import LoyaltyPresentation
import SwiftUI

struct ChallengesScreen: View {
    let model: ChallengesModel
    let leaderboards: LeaderboardsModel
    let texts: Texts

    var body: some View {
        let s = model.state
        NavigationStack {
            List {
                NavigationLink {
                    LeaderboardsScreen(model: leaderboards, texts: texts)
                } label: {
                    Label(texts.leaderboards, systemImage: "list.number")
                }
                if let notice = s.notice {
                    Text(notice).font(.footnote).foregroundStyle(.secondary)
                }
                if let empty = s.empty {
                    Text(empty).foregroundStyle(.secondary)
                }
                ForEach(s.challenges) { line in
                    VStack(alignment: .leading, spacing: 6) {
                        HStack {
                            Text(line.title).font(.headline)
                            Spacer()
                            Text(line.status).font(.caption).foregroundStyle(line.done ? Color.green : Color.secondary)
                        }
                        ProgressView(value: line.progress)
                        Text(line.progressText).font(.footnote).monospacedDigit()
                        if let left = line.timeLeft {
                            Text(left).font(.footnote).foregroundStyle(.secondary)
                        }
                        if let reward = line.reward {
                            Text(reward).font(.footnote)
                        }
                        if let completions = line.completions {
                            Text(completions).font(.footnote).foregroundStyle(.secondary)
                        }
                        if line.canJoin {
                            Button(texts.join) {
                                Task { await model.join(line.id) }
                            }
                            .buttonStyle(.borderedProminent)
                        }
                    }
                    .padding(.vertical, 4)
                }
            }
            .navigationTitle(texts.tabChallenges)
        }
        .task {
            await model.run()
        }
    }
}
