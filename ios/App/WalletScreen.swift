// The wallet: balance, tier progress, expiring points, debt, coupons and
// history (paged), pull to refresh.
import LoyaltyPresentation
import SwiftUI

struct WalletScreen: View {
    let model: WalletModel
    let texts: Texts

    var body: some View {
        let s = model.state
        NavigationStack {
            List {
                if let error = s.error {
                    Text(error).foregroundStyle(.red)
                }
                if let notice = s.notice {
                    Text(notice).font(.footnote).foregroundStyle(.secondary)
                }
                Section(texts.balance) {
                    Text(s.balance).font(.largeTitle.bold())
                    if let tier = s.tier {
                        VStack(alignment: .leading, spacing: 6) {
                            Text(texts.tierLine(tier.title))
                            ProgressView(value: tier.progress)
                            Text(tier.next).font(.footnote).foregroundStyle(.secondary)
                        }
                    }
                    if let expiring = s.expiring {
                        Label(expiring, systemImage: "hourglass")
                    }
                    if let debt = s.debt {
                        Label(debt, systemImage: "minus.circle")
                    }
                    if let pending = s.pending {
                        Label(pending, systemImage: "arrow.triangle.2.circlepath")
                    }
                    if let discount = s.nextDiscount {
                        Label(discount, systemImage: "tag").bold()
                    }
                }
                if !s.perks.isEmpty || !s.nextPerks.isEmpty {
                    Section(texts.yourPerks) {
                        ForEach(Array(s.perks.enumerated()), id: \.offset) { _, perk in
                            Label(perk, systemImage: "checkmark.seal")
                        }
                        if let title = s.nextPerksTitle {
                            VStack(alignment: .leading, spacing: 4) {
                                Text(title).font(.subheadline)
                                ForEach(Array(s.nextPerks.enumerated()), id: \.offset) { _, perk in
                                    Label(perk, systemImage: "lock").foregroundStyle(.secondary)
                                }
                            }
                        }
                    }
                }
                Section(texts.coupons) {
                    if s.coupons.isEmpty {
                        Text(texts.noCoupons).foregroundStyle(.secondary)
                    }
                    ForEach(s.coupons) { coupon in
                        VStack(alignment: .leading) {
                            Text(coupon.title)
                            Text(coupon.validUntil).font(.footnote).foregroundStyle(.secondary)
                        }
                    }
                }
                Section(texts.history) {
                    if s.history.isEmpty && !s.loading {
                        Text(texts.noHistory).foregroundStyle(.secondary)
                    }
                    ForEach(s.history) { line in
                        HStack {
                            VStack(alignment: .leading) {
                                Text(line.title)
                                Text(line.date).font(.footnote).foregroundStyle(.secondary)
                            }
                            Spacer()
                            Text(line.points)
                                .monospacedDigit()
                                .foregroundStyle(line.positive ? Color.green : Color.primary)
                        }
                    }
                    if s.canLoadMore {
                        Button(texts.loadMore) {
                            Task { await model.loadMore() }
                        }
                    }
                }
            }
            .refreshable {
                await model.refresh()
            }
            .navigationTitle(texts.tabWallet)
        }
        .task {
            await model.run()
        }
    }
}
