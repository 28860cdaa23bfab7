// The leaderboards (LeaderboardsScreen.kt on Android): who I am on them or
// the invitation to join, then each board with its period, when the server
// computed it, how many take part, the listed participants (ties share a
// rank, my row highlighted), my rank and what passes the rank above. The
// name goes to the core as typed; its refusal shows under the field.
import LoyaltyPresentation
import SwiftUI

struct LeaderboardsScreen: View {
    let model: LeaderboardsModel
    let texts: Texts
    @State private var entry = false
    @State private var name = ""

    var body: some View {
        let s = model.state
        List {
            if let notice = s.notice {
                Text(notice).font(.footnote).foregroundStyle(.secondary)
            }
            Section {
                if let membership = s.membership {
                    Text(membership).foregroundStyle(s.pending ? Color.secondary : Color.primary)
                }
                if s.canJoin && entry {
                    TextField(texts.boardNameLabel, text: $name)
                        .textInputAutocapitalization(.words)
                        .autocorrectionDisabled()
                        .submitLabel(.join)
                        .onSubmit { join() }
                    if let error = s.joinError {
                        Text(error).font(.footnote).foregroundStyle(.red)
                    }
                    HStack {
                        Button(texts.join) { join() }
                            .buttonStyle(.borderedProminent)
                        Button(texts.cancel) {
                            entry = false
                            model.clearJoinError()
                        }
                        .buttonStyle(.borderless)
                    }
                } else if s.canJoin {
                    Button(texts.join) { entry = true }
                        .buttonStyle(.borderedProminent)
                }
                if s.canLeave {
                    Button(texts.boardLeave, role: .destructive) {
                        Task { await model.leave() }
                    }
                }
            } header: {
                if s.canJoin && entry {
                    Text(texts.boardNameTitle)
                }
            }
            if let empty = s.empty {
                Text(empty).foregroundStyle(.secondary)
            }
            ForEach(s.boards) { board in
                Section {
                    ForEach(Array(board.rows.enumerated()), id: \.offset) { _, row in
                        HStack(spacing: 12) {
                            Text(row.rank).font(.subheadline.weight(.semibold)).monospacedDigit().frame(minWidth: 28, alignment: .trailing)
                            Text(row.name).fontWeight(row.me ? .semibold : .regular).lineLimit(1)
                            Spacer()
                            Text(row.value).fontWeight(row.me ? .semibold : .regular).monospacedDigit()
                        }
                        .listRowBackground(row.me ? Color.accentColor.opacity(0.18) : nil)
                        .accessibilityElement(children: .combine)
                    }
                    if let empty = board.empty {
                        Text(empty).foregroundStyle(.secondary)
                    }
                    if board.me != nil || board.toPass != nil {
                        VStack(alignment: .leading, spacing: 2) {
                            if let me = board.me {
                                Text(me).fontWeight(.semibold)
                            }
                            if let toPass = board.toPass {
                                Text(toPass).font(.footnote).foregroundStyle(.tint)
                            }
                        }
                        .accessibilityElement(children: .combine)
                    }
                } header: {
                    VStack(alignment: .leading, spacing: 2) {
                        Text(board.title).font(.headline).foregroundStyle(.primary).textCase(nil)
                        Text([board.period, board.participants].compactMap { $0 }.joined(separator: " · ")).textCase(nil)
                        if let updated = board.updated {
                            Text(updated).font(.caption).textCase(nil)
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        }
        .navigationTitle(texts.leaderboards)
        .onChange(of: s.canJoin) { _, canJoin in
            // Joined: the field has done its work (it opens afresh after a leave).
            if !canJoin {
                entry = false
            }
        }
        .task {
            await model.run()
        }
    }

    private func join() {
        let typed = name
        Task { await model.join(typed) }
    }
}
