package app.loyalty.presentation

import app.loyalty.core.BadgeInfo
import app.loyalty.core.ChallengeInfo
import app.loyalty.core.ChangeArea
import app.loyalty.core.LoyaltyException
import app.loyalty.core.RewardInfo

/** One challenge in the list. */
data class ChallengeLine(
    val id: String,
    val title: String,
    val status: String,
    /** 0..1. */
    val progress: Float,
    val progressText: String,
    val timeLeft: String?,
    val reward: String?,
    val completions: String?,
    /** Opt-in and not joined yet: the screen shows a Join button. */
    val canJoin: Boolean,
    val done: Boolean,
)

/** The challenges screen. */
data class ChallengesState(
    val loading: Boolean = true,
    val challenges: List<ChallengeLine> = emptyList(),
    val empty: String? = null,
    val notice: String? = null,
)

/** The challenges screen's state holder. */
class ChallengesScreenModel(
    env: Env,
) : ScreenModel<ChallengesState>(ChallengesState(), env, setOf(ChangeArea.GOALS, ChangeArea.WALLET)) {
    override suspend fun reload() {
        mutable.value =
            try {
                val (list, badges) = env.call { challenges() to badges() }
                val currency = env.call { walletSnapshot(0u, 0u).currency }
                val titles = badges.associate { it.id to it.title }
                ChallengesState(
                    loading = false,
                    challenges = list.map { line(it, titles, currency) },
                    empty = env.texts.noChallenges.takeIf { list.isEmpty() },
                )
            } catch (e: LoyaltyException) {
                mutable.value.copy(loading = false, notice = env.message(e))
            }
    }

    /** Joins an opt-in challenge (works offline; the server confirms it). */
    suspend fun join(id: String) {
        try {
            env.call { joinChallenge(id) }
        } catch (e: LoyaltyException) {
            mutable.value = mutable.value.copy(notice = env.message(e))
        }
    }

    private fun line(
        c: ChallengeInfo,
        badgeTitles: Map<String, String>,
        currency: String,
    ): ChallengeLine {
        val f = env.format
        val t = env.texts
        val reward =
            when (val r = c.rewardInfo) {
                is RewardInfo.Points -> {
                    t.rewardPoints(f.points(r.points))
                }

                is RewardInfo.Coupon -> {
                    val benefit = r.percentHundredths?.let { f.percent(it) } ?: f.money(r.amountOffMinor ?: 0, currency)
                    val terms = couponTerms(t, r.category, r.skus, r.oneItem, r.minSpendMinor?.let { f.money(it, currency) })
                    terms?.let { t.rewardCouponScoped(benefit, it, f.days(r.validDays)) } ?: t.rewardCoupon(benefit, f.days(r.validDays))
                }

                is RewardInfo.Badge -> {
                    t.rewardBadge(badgeTitles[r.badgeId] ?: r.badgeId)
                }

                null -> {
                    null
                }
            }
        return ChallengeLine(
            id = c.id,
            title = c.title,
            status = t.challengeStatus(c.status),
            progress = if (c.target > 0) (c.progress.toFloat() / c.target.toFloat()).coerceIn(0f, 1f) else 0f,
            progressText = t.progressOf(f.number(c.progress), f.number(c.target)),
            timeLeft = c.secondsLeft?.takeIf { c.status == "active" || c.status == "available" }?.let { t.timeLeft(f.timeLeft(it)) },
            reward = reward,
            completions = c.completions.takeIf { it > 0 }?.let { t.completedTimes(it) },
            canJoin = c.status == "available",
            done = c.status == "completed",
        )
    }
}

/** One badge in the grid. */
data class BadgeTile(
    val id: String,
    val title: String,
    val level: String,
    val earned: Boolean,
    /** 0..1 towards the next level (1 when every level is earned). */
    val progress: Float,
    val next: String?,
    val earnedOn: String?,
)

/** The badges screen. */
data class BadgesState(
    val loading: Boolean = true,
    val badges: List<BadgeTile> = emptyList(),
    val empty: String? = null,
    val notice: String? = null,
)

/** The badges screen's state holder. */
class BadgesScreenModel(
    env: Env,
) : ScreenModel<BadgesState>(BadgesState(), env, setOf(ChangeArea.GOALS)) {
    override suspend fun reload() {
        mutable.value =
            try {
                val list = env.call { badges() }
                BadgesState(loading = false, badges = list.map(::tile), empty = env.texts.noBadges.takeIf { list.isEmpty() })
            } catch (e: LoyaltyException) {
                mutable.value.copy(loading = false, notice = env.message(e))
            }
    }

    private fun tile(b: BadgeInfo): BadgeTile {
        val f = env.format
        val next = b.nextThreshold
        return BadgeTile(
            id = b.id,
            title = b.title,
            level = env.texts.badgeLevel(b.level.toLong(), b.levels.toLong()),
            earned = b.level > 0u,
            progress = if (next == null || next <= 0) 1f else (b.progress.toFloat() / next.toFloat()).coerceIn(0f, 1f),
            next = next?.let { env.texts.badgeNext(f.number(b.progress), f.number(it)) },
            earnedOn = b.earnedAtMs?.let { f.date(it, env.nowMs()) },
        )
    }
}
