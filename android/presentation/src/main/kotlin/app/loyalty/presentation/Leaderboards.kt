package app.loyalty.presentation

import app.loyalty.core.ChangeArea
import app.loyalty.core.LeaderboardInfo
import app.loyalty.core.Leaderboards
import app.loyalty.core.LoyaltyException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/** One listed participant of a board. */
data class BoardRowLine(
    /** The core's rank, formatted: equal values share one (1, 2, 2, 4). */
    val rank: String,
    val name: String,
    /** The value in the board's metric: points, money, purchases or challenges. */
    val value: String,
    /** My own row: drawn highlighted. */
    val me: Boolean,
)

/** One board on the screen. */
data class BoardCard(
    val id: String,
    val title: String,
    /** "Эта неделя", "Этот месяц", "За всё время". */
    val period: String,
    /** "Обновлено: 10:05" (the server's `computed_at`, so a board shown offline says how old it is); null before a sync. */
    val updated: String?,
    /** "12 участников"; null before a sync and when nobody joined. */
    val participants: String?,
    val rows: List<BoardRowLine>,
    /** "Ваше место: 5, 1 200 баллов", when I have a standing. */
    val me: String?,
    /** "Ещё 40 баллов, чтобы подняться на 4-е место"; null at rank 1. */
    val toPass: String?,
    /** "Участников пока нет" or "Ещё не обновлялся" instead of the rows. */
    val empty: String?,
)

/** The leaderboards screen. */
data class LeaderboardsState(
    val loading: Boolean = true,
    /** Who I am on the boards: the invitation, my name, or my name waiting for the server. */
    val membership: String? = null,
    /** Not joined: the screen offers Join (the name dialog). */
    val canJoin: Boolean = false,
    /** Joined or joining: the screen offers Leave. */
    val canLeave: Boolean = false,
    /** The name waits for the server's confirmation. */
    val pending: Boolean = false,
    /** My name as I gave it (for the dialog, when I change it); null when not joined. */
    val myName: String? = null,
    val boards: List<BoardCard> = emptyList(),
    /** The program has no boards. */
    val empty: String? = null,
    /** A non-blocking notice (a failed sync, a refused leave). */
    val notice: String? = null,
    /** The core's refusal of the name last tried (`invalid_display_name`), shown in the dialog. */
    val joinError: String? = null,
)

/**
 * The leaderboards screen's state from the core's record: every text
 * formatted, nothing ranked or checked here (the core ranks, the core
 * validates names). `currency` formats the `spend` metric; `nowMs` and the
 * format's zone decide between "10:05" and a date in [BoardCard.updated].
 */
fun leaderboardsState(
    record: Leaderboards,
    currency: String,
    format: Format,
    texts: Texts,
    nowMs: Long,
): LeaderboardsState {
    val name = record.myName
    return LeaderboardsState(
        loading = false,
        membership =
            when {
                name == null -> texts.boardInvite
                record.namePending -> texts.boardPendingAs(name)
                else -> texts.boardJoinedAs(name)
            },
        canJoin = name == null,
        canLeave = name != null,
        pending = name != null && record.namePending,
        myName = name,
        boards = record.boards.map { board(it, name, currency, format, texts, nowMs) },
        empty = texts.noLeaderboards.takeIf { record.boards.isEmpty() },
    )
}

private fun board(
    b: LeaderboardInfo,
    myName: String?,
    currency: String,
    f: Format,
    t: Texts,
    nowMs: Long,
): BoardCard {
    fun value(v: Long) =
        when (b.metric) {
            "points_earned" -> f.points(v)
            "spend" -> f.money(v, currency)
            "purchases" -> t.boardPurchases(v, f.number(v))
            "challenge_completions" -> t.boardCompletions(v, f.number(v))
            else -> f.number(v)
        }
    val me = b.me
    // The rank right above mine as the core listed it (2 above a 4 after a tie at 2). The list runs from rank 1
    // without gaps, so it holds that rank only when it reaches down to mine; below the list it is unknown.
    val above =
        me?.takeIf { m -> b.top.any { it.rank >= m.rank } }?.let { m ->
            b.top
                .map { it.rank }
                .filter { it < m.rank }
                .maxOrNull()
        }
    return BoardCard(
        id = b.id,
        title = b.title,
        period = t.boardPeriod(b.period),
        updated = if (b.hasStanding) t.boardUpdated(f.clock(b.computedAtMs, nowMs)) else null,
        participants =
            b.participants
                .toLong()
                .takeIf { b.hasStanding && it > 0 }
                ?.let { t.boardParticipants(it, f.number(it)) },
        rows =
            b.top.map { r ->
                BoardRowLine(
                    rank = f.number(r.rank.toLong()),
                    name = r.name,
                    value = value(r.value),
                    me = me != null && r.rank == me.rank && r.name == myName,
                )
            },
        me = me?.let { t.boardMe(f.number(it.rank.toLong()), value(it.value)) },
        toPass =
            me?.toPassNext?.let { n ->
                above?.let { t.boardToPass(value(n), f.number(it.toLong())) } ?: t.boardToMoveUp(value(n))
            },
        empty =
            when {
                !b.hasStanding -> t.boardNotSynced
                b.top.isEmpty() -> t.boardNoParticipants
                else -> null
            },
    )
}

/**
 * The leaderboards screen's state holder: the boards as the last sync
 * brought them (shown offline with their time), joining under a name and
 * leaving. Both work offline and go with the next sync; the core checks the
 * name (`invalid_display_name` at once, `name_taken` after the sync, with
 * an inbox notice).
 */
class LeaderboardsScreenModel(
    env: Env,
    private val sync: SyncCoordinator? = null,
) : ScreenModel<LeaderboardsState>(LeaderboardsState(), env, setOf(ChangeArea.GOALS)) {
    override suspend fun reload() {
        mutable.value =
            try {
                val (record, currency) = env.call { leaderboards() to walletSnapshot(0u, 0u).currency }
                leaderboardsState(record, currency, env.format, env.texts, env.nowMs())
                    .copy(notice = sync?.status?.value?.notice, joinError = mutable.value.joinError)
            } catch (e: LoyaltyException) {
                mutable.value.copy(loading = false, notice = env.message(e))
            }
    }

    /**
     * Joins as `name` (or changes the name); true when the core took it. A
     * refused name leaves [LeaderboardsState.joinError] set to the core's
     * reason in the shopper's words, for the dialog to show.
     */
    suspend fun join(name: String): Boolean =
        try {
            env.call { joinLeaderboard(name) }
            mutable.value = mutable.value.copy(joinError = null)
            reload()
            true
        } catch (e: LoyaltyException) {
            mutable.value = mutable.value.copy(joinError = env.message(e))
            false
        }

    /** The dialog was closed: its error goes with it. */
    fun clearJoinError() {
        mutable.value = mutable.value.copy(joinError = null)
    }

    /** Leaves the boards (works offline; sent with the next sync). */
    suspend fun leave() {
        try {
            env.call { leaveLeaderboard() }
            reload()
        } catch (e: LoyaltyException) {
            mutable.value = mutable.value.copy(notice = env.message(e))
        }
    }

    override fun start(scope: CoroutineScope): Job =
        scope.launch {
            launch { super.start(this).join() }
            sync?.status?.collect { s -> mutable.value = mutable.value.copy(notice = s.notice) }
        }
}
