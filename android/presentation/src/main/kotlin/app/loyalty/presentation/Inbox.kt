package app.loyalty.presentation

import app.loyalty.core.ChangeArea
import app.loyalty.core.InboxMessage
import app.loyalty.core.LoyaltyException

/** One message in the inbox. */
data class MessageLine(
    val id: String,
    val title: String,
    val body: String,
    val date: String,
    val unread: Boolean,
    val pinned: Boolean,
    /** An offer whose coupon can be activated. */
    val canActivate: Boolean,
    /** "Coupon in your wallet" once activated. */
    val activated: String?,
    val expires: String?,
    val deepLink: String?,
)

/** The inbox screen. */
data class InboxState(
    val loading: Boolean = true,
    val messages: List<MessageLine> = emptyList(),
    /** For the tab badge: 0 hides it. */
    val unreadCount: Long = 0,
    val unreadText: String? = null,
    val empty: String? = null,
    val notice: String? = null,
)

/** The inbox screen's state holder: pinned first (the core's order), read on open, swipe to dismiss. */
class InboxScreenModel(
    env: Env,
) : ScreenModel<InboxState>(InboxState(), env, setOf(ChangeArea.INBOX)) {
    override suspend fun reload() {
        mutable.value =
            try {
                val (list, unread) = env.call { inbox(false) to unreadCount().toLong() }
                InboxState(
                    loading = false,
                    messages = list.map(::line),
                    unreadCount = unread,
                    unreadText = unread.takeIf { it > 0 }?.let { env.texts.unread(it) },
                    empty = env.texts.noMessages.takeIf { list.isEmpty() },
                )
            } catch (e: LoyaltyException) {
                mutable.value.copy(loading = false, notice = env.message(e))
            }
    }

    /** The shopper opened a message: it is read from now on. */
    suspend fun open(id: String) = act { markRead(id) }

    /** Swiped away: dismissed for good (a later copy stays dismissed). */
    suspend fun dismiss(id: String) = act { dismiss(id) }

    /** Activates an offer: its coupon appears in the wallet. */
    suspend fun activate(id: String) = act { activateOffer(id) }

    private suspend fun act(block: app.loyalty.core.LoyaltyClient.() -> Unit) {
        try {
            env.call(block)
        } catch (e: LoyaltyException) {
            mutable.value = mutable.value.copy(notice = env.message(e))
        }
    }

    private fun line(m: InboxMessage): MessageLine {
        val f = env.format
        val now = env.nowMs()
        return MessageLine(
            id = m.id,
            title = m.title,
            body = m.body,
            date = f.date(m.receivedAtMs, now),
            unread = m.state == "unread",
            pinned = m.pinned,
            canActivate = m.hasCoupon && !m.activated,
            activated = env.texts.activated.takeIf { m.activated },
            expires = m.expiresAtMs?.let { env.texts.expires(f.date(it, now)) },
            deepLink = m.deepLink,
        )
    }
}
