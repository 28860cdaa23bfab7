package app.loyalty.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.CouponLine
import app.loyalty.presentation.HistoryLine
import app.loyalty.presentation.Texts
import app.loyalty.presentation.TierLine
import app.loyalty.presentation.WalletState

/** Test tags of the wallet screen. */
object WalletTags {
    const val LIST = "wallet-list"
    const val LOAD_MORE = "wallet-load-more"
}

/**
 * The wallet: balance, tier with its progress and what is left to the next
 * one, points about to expire, coupons, and the history with "load more".
 * Pull to refresh runs a sync; a failure is a notice above the figures.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun WalletScreen(
    state: WalletState,
    texts: Texts,
    onRefresh: () -> Unit,
    onLoadMore: () -> Unit,
    modifier: Modifier = Modifier,
) {
    if (state.loading) {
        LoadingBox(modifier)
        return
    }
    PullToRefreshBox(isRefreshing = state.refreshing, onRefresh = onRefresh, modifier = modifier.fillMaxSize()) {
        LazyColumn(
            Modifier.fillMaxSize().testTag(WalletTags.LIST),
            contentPadding = PaddingValues(16.dp),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            state.error?.let { item { NoticeBanner(it) } }
            state.notice?.let { item { NoticeBanner(it) } }
            if (state.error == null || state.balance.isNotEmpty()) {
                item { BalanceCard(state, texts) }
            }
            state.pending?.let {
                item { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant) }
            }
            if (state.perks.isNotEmpty() || state.nextPerks.isNotEmpty()) {
                item { PerksBlock(state, texts) }
            }
            item { SectionTitle(texts.coupons) }
            if (state.coupons.isEmpty()) {
                item { EmptyLine(texts.noCoupons) }
            } else {
                items(state.coupons, key = { "coupon-" + it.id }) { CouponRow(it) }
            }
            item { SectionTitle(texts.history) }
            if (state.history.isEmpty()) {
                item { EmptyLine(texts.noHistory) }
            } else {
                items(state.history, key = { "history-" + it.id }) { HistoryRow(it) }
            }
            if (state.canLoadMore) {
                item {
                    TextButton(onClick = onLoadMore, modifier = Modifier.fillMaxWidth().testTag(WalletTags.LOAD_MORE)) {
                        Text(texts.loadMore)
                    }
                }
            }
        }
    }
}

@Composable
private fun BalanceCard(
    state: WalletState,
    texts: Texts,
) {
    Card(
        colors =
            CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.primaryContainer,
                contentColor = MaterialTheme.colorScheme.onPrimaryContainer,
            ),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Column(Modifier.semantics(mergeDescendants = true) {}) {
                Text(texts.balance, style = MaterialTheme.typography.labelLarge)
                Text(state.balance, style = MaterialTheme.typography.displaySmall, fontWeight = FontWeight.SemiBold)
            }
            state.tier?.let { TierBlock(it, texts) }
            state.expiring?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.tertiary) }
            state.debt?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.error) }
            state.nextDiscount?.let { Text(it, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.SemiBold) }
        }
    }
}

/** The current tier's perks, then what the next tier adds. */
@Composable
private fun PerksBlock(
    state: WalletState,
    texts: Texts,
) {
    Column(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}, verticalArrangement = Arrangement.spacedBy(4.dp)) {
        if (state.perks.isNotEmpty()) {
            Text(texts.yourPerks, style = MaterialTheme.typography.titleSmall)
            state.perks.forEach { Text("• $it", style = MaterialTheme.typography.bodyMedium) }
        }
        state.nextPerksTitle?.let { title ->
            Text(title, style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            state.nextPerks.forEach {
                Text("• $it", style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
        }
    }
}

@Composable
private fun TierBlock(
    tier: TierLine,
    texts: Texts,
) {
    Column(Modifier.padding(top = 4.dp).semantics(mergeDescendants = true) {}, verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Text(texts.tierLine(tier.title), style = MaterialTheme.typography.titleMedium)
        LinearProgressIndicator(progress = { tier.progress }, modifier = Modifier.fillMaxWidth())
        Text(tier.next, style = MaterialTheme.typography.bodyMedium)
    }
}

@Composable
private fun CouponRow(coupon: CouponLine) {
    OutlinedCard(Modifier.fillMaxWidth()) {
        Row(
            Modifier.padding(horizontal = 16.dp, vertical = 12.dp).semantics(mergeDescendants = true) {},
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(coupon.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f))
            Text(coupon.validUntil, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}

@Composable
private fun HistoryRow(line: HistoryLine) {
    Column {
        Row(
            Modifier.fillMaxWidth().padding(vertical = 8.dp).semantics(mergeDescendants = true) {},
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Column(Modifier.weight(1f)) {
                Text(line.title, style = MaterialTheme.typography.bodyLarge)
                Text(line.date, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            Text(
                line.points,
                style = MaterialTheme.typography.titleMedium,
                color = if (line.positive) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        HorizontalDivider()
    }
}

@Composable
internal fun EmptyLine(text: String) {
    Text(text, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
}
