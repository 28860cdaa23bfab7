package app.loyalty.presentation

import app.loyalty.core.ChangeArea
import app.loyalty.core.HistoryEntry
import app.loyalty.core.LoyaltyException
import app.loyalty.core.WalletSnapshot
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/** The tier line: name, progress towards the next tier, and what is left. */
data class TierLine(
    val title: String,
    /** 0..1 towards the next tier; 1 at the top tier. */
    val progress: Float,
    /** "Ещё 3 000 ₽ до уровня «Золотой»", or "top tier". */
    val next: String,
)

/** A coupon in the wallet. */
data class CouponLine(
    val id: String,
    val title: String,
    val validUntil: String,
)

/** One history entry. */
data class HistoryLine(
    val id: Long,
    val title: String,
    val points: String,
    val date: String,
    val positive: Boolean,
)

/** The wallet screen. */
data class WalletState(
    val loading: Boolean = true,
    val balance: String = "",
    val tier: TierLine? = null,
    val expiring: String? = null,
    val debt: String? = null,
    val coupons: List<CouponLine> = emptyList(),
    /** The current tier's perks, the program's texts in its order. */
    val perks: List<String> = emptyList(),
    /** "Достигните уровня «Золотой», чтобы получить:" above [nextPerks]; null when there are none. */
    val nextPerksTitle: String? = null,
    val nextPerks: List<String> = emptyList(),
    /** "Следующая покупка: скидка 15 % — первая покупка"; null without a discount. */
    val nextDiscount: String? = null,
    val history: List<HistoryLine> = emptyList(),
    val canLoadMore: Boolean = false,
    /** "1 действие ждёт синхронизации": taps made offline, not yet confirmed. */
    val pending: String? = null,
    val refreshing: Boolean = false,
    /** A non-blocking notice (a failed sync). */
    val notice: String? = null,
    /** Set when the wallet cannot be read at all. */
    val error: String? = null,
)

/** The wallet screen's state holder: snapshot, history paging, pull to refresh. */
class WalletScreenModel(
    env: Env,
    private val sync: SyncCoordinator,
) : ScreenModel<WalletState>(WalletState(), env, setOf(ChangeArea.WALLET)) {
    private var older: List<HistoryEntry> = emptyList()
    private var nextBefore: Long? = null

    override suspend fun reload() {
        mutable.value =
            try {
                val snap = env.call { walletSnapshot(EXPIRING_DAYS.toUInt(), PAGE.toUInt()) }
                nextBefore = if (snap.history.size >= PAGE) snap.history.lastOrNull()?.id else null
                older = emptyList()
                state(snap)
            } catch (e: LoyaltyException) {
                mutable.value.copy(loading = false, error = env.message(e))
            }
    }

    /** Appends the next page of history. */
    suspend fun loadMore() {
        val before = nextBefore ?: return
        try {
            val page = env.call { history(before, PAGE.toUInt()) }
            older = older + page.entries
            nextBefore = page.nextBeforeId
            val s = mutable.value
            mutable.value = s.copy(history = s.history + page.entries.map(::line), canLoadMore = nextBefore != null)
        } catch (e: LoyaltyException) {
            mutable.value = mutable.value.copy(notice = env.message(e))
        }
    }

    /** Pull to refresh: a sync; a failure is a notice, the figures stay. */
    suspend fun refresh() {
        mutable.value = mutable.value.copy(refreshing = true)
        try {
            sync.sync()
            reload()
        } finally {
            mutable.value = mutable.value.copy(refreshing = false, notice = sync.status.value.notice)
        }
    }

    override fun start(scope: CoroutineScope): Job =
        scope.launch {
            launch { super.start(this).join() }
            sync.status.collect { s -> mutable.value = mutable.value.copy(notice = s.notice) }
        }

    private fun state(s: WalletSnapshot): WalletState {
        val f = env.format
        val t = env.texts
        val now = env.nowMs()
        val tier =
            s.tier?.let { id ->
                val next = s.nextTier
                val threshold = s.nextTierThresholdMinor
                val remaining = s.nextTierRemainingMinor
                if (next == null || threshold == null || remaining == null || threshold <= 0) {
                    TierLine(t.tierName(id), 1f, t.topTier)
                } else {
                    val done = (threshold - remaining).coerceIn(0, threshold)
                    TierLine(
                        t.tierName(id),
                        done.toFloat() / threshold.toFloat(),
                        t.toNextTier(f.money(remaining, s.currency), t.tierName(next)),
                    )
                }
            }
        return WalletState(
            loading = false,
            balance = f.points(s.balance),
            tier = tier,
            expiring =
                s.nextExpiryMs?.takeIf { s.expiringPoints > 0 }?.let {
                    t.expiring(f.points(s.expiringPoints), f.date(it, now))
                },
            debt = s.debt.takeIf { it > 0 }?.let { t.debt(f.points(it)) },
            coupons =
                s.coupons.map { c ->
                    val benefit =
                        c.percentHundredths?.let { t.couponPercent(f.percent(it)) }
                            ?: t.couponAmount(f.money(c.amountOffMinor ?: 0, s.currency))
                    val terms = couponTerms(t, c.category, c.skus, c.oneItem, c.minSpendMinor?.let { f.money(it, s.currency) })
                    CouponLine(c.id, terms?.let { t.couponScoped(benefit, it) } ?: benefit, t.validUntil(f.date(c.expiresAtMs, now)))
                },
            perks = if (s.tier == null) emptyList() else s.tierPerks,
            nextPerksTitle = s.nextTier?.takeIf { s.nextTierPerks.isNotEmpty() }?.let { t.reachTierToGet(t.tierName(it)) },
            nextPerks = if (s.nextTier == null) emptyList() else s.nextTierPerks,
            nextDiscount =
                s.nextDiscountPercentHundredths?.takeIf { it > 0 }?.let { p ->
                    val percent = f.percent(p)
                    s.nextDiscountSource?.let { t.nextDiscount(percent, t.discountSource(it)) } ?: t.nextDiscountPlain(percent)
                },
            history = s.history.map(::line),
            canLoadMore = nextBefore != null,
            pending =
                s.pendingActions
                    .toLong()
                    .takeIf { it > 0 }
                    ?.let { t.pendingActions(it) },
            notice = sync.status.value.notice,
        )
    }

    private fun line(h: HistoryEntry): HistoryLine =
        HistoryLine(
            id = h.id,
            title = env.texts.historyKind(h.kind),
            points = env.format.pointsDelta(h.points),
            date = env.format.dateTime(h.atMs, env.nowMs()),
            positive = h.points > 0,
        )

    companion object {
        /** Points expiring within this many days are announced. */
        const val EXPIRING_DAYS = 30

        /** History entries per page. */
        const val PAGE = 20
    }
}

/**
 * What a coupon applies to and from what spend ("на один товар из категории
 * «clothing» при покупке от 1 000 ₽"), or null for an unscoped coupon: the
 * core's fields in the words of [Texts]; `minSpend` already formatted.
 */
fun couponTerms(
    t: Texts,
    category: String?,
    skus: List<String>,
    oneItem: Boolean,
    minSpend: String?,
): String? {
    val list = skus.joinToString(", ")
    val scope =
        when {
            category != null -> if (oneItem) t.couponOneItemOfCategory(category) else t.couponCategory(category)
            skus.isNotEmpty() -> if (oneItem) t.couponOneItemOfSkus(list) else t.couponSkus(list)
            oneItem -> t.couponOneItem
            else -> null
        }
    val from = minSpend?.let { t.couponFrom(it) }
    return listOfNotNull(scope, from).joinToString(" ").ifEmpty { null }
}
