package app.loyalty.presentation

private fun en(
    n: Long,
    one: String,
    other: String,
): String = if (Format.plural(Lang.EN, n) == Plural.ONE) one else other

/** English. */
object EnTexts : Texts {
    override val lang = Lang.EN

    override val tabCard = "Card"
    override val tabWallet = "Points"
    override val tabChallenges = "Challenges"
    override val tabBadges = "Badges"
    override val tabInbox = "Inbox"
    override val settings = "Settings"

    override val cardTitle = "Loyalty card"
    override val showBarcode = "Barcode for older tills"
    override val showQr = "Show the QR code"
    override val noCard = "No card yet: sign in to get one."
    override val clockTitle = "Check the phone's clock"
    override val staticCode = "Card number (the code does not change)"
    override val worksOffline = "Works at any till, even offline"
    override val offlineCodeUnavailable = "The offline code is unavailable: the till must be online"
    override val offlineCodeFailed = "The offline code cannot be made right now: the till must be online"

    private fun secondsOf(
        n: Long,
        number: String,
    ) = "$number${Format.NBSP}" + en(n, "second", "seconds")

    override fun codeChangesIn(
        seconds: Long,
        number: String,
    ) = "Code changes in ${secondsOf(seconds, number)}"

    override fun cardCodeDescription(
        seconds: Long?,
        number: String?,
    ) = if (seconds == null || number == null) "Card code" else "Card code, changes in ${secondsOf(seconds, number)}"

    override fun screenshotNote(
        seconds: Long,
        number: String,
    ) = "A till takes this code for ${secondsOf(seconds, number)} more, once only: a screenshot is no use"

    override fun cardNumberDescription(number: String) = "Card number $number"

    override val balance = "Balance"
    override val pullToRefresh = "Pull to refresh"
    override val history = "History"
    override val loadMore = "Show more"
    override val coupons = "Coupons"
    override val noCoupons = "No coupons"
    override val noHistory = "No purchases yet"
    override val topTier = "Top tier"

    override fun tierLine(tier: String) = "Tier: $tier"

    override fun toNextTier(
        amount: String,
        tier: String,
    ) = "$amount more to $tier"

    override fun expiring(
        points: String,
        date: String,
    ) = "Expiring on $date: $points"

    override fun debt(points: String) = "Owed: $points, taken from future points"

    override fun pendingActions(count: Long) = "$count " + en(count, "action waits", "actions wait") + " for sync"

    override fun couponPercent(percent: String) = "$percent off"

    override fun couponAmount(amount: String) = "$amount off"

    override fun validUntil(date: String) = "until $date"

    override val yourPerks = "Your tier's perks"
    override val couponOneItem = "on one item"

    override fun reachTierToGet(tier: String) = "Reach $tier to get:"

    override fun nextDiscount(
        percent: String,
        source: String,
    ) = "Next purchase: $percent off — $source"

    override fun nextDiscountPlain(percent: String) = "Next purchase: $percent off"

    override fun discountSource(source: String) =
        when (source) {
            "tier" -> "tier discount"
            "member" -> "member discount"
            "first_purchase" -> "first purchase"
            else -> source
        }

    override fun couponCategory(category: String) = "on $category"

    override fun couponSkus(skus: String) = "on $skus"

    override fun couponOneItemOfCategory(category: String) = "on one item in $category"

    override fun couponOneItemOfSkus(skus: String) = "on one of $skus"

    override fun couponFrom(amount: String) = "from $amount"

    override fun couponScoped(
        benefit: String,
        terms: String,
    ) = "$benefit $terms"

    override fun historyKind(kind: String) =
        when (kind) {
            "earn" -> "Points for a purchase"
            "pay" -> "Paid with points"
            "redeem" -> "Reward redeemed"
            "bonus" -> "Bonus"
            "expire" -> "Points expired"
            "reverse" -> "Purchase returned"
            "refund" -> "Points refunded"
            "challenge" -> "Challenge reward"
            "clawback" -> "Challenge reward taken back"
            else -> "Activity"
        }

    override fun tierName(id: String) = id.replaceFirstChar { it.uppercase() }

    override val join = "Join"
    override val noChallenges = "No challenges yet"
    override val noBadges = "No badges yet"

    override fun challengeStatus(status: String) =
        when (status) {
            "active" -> "In progress"
            "available" -> "Open to join"
            "upcoming" -> "Coming soon"
            "completed" -> "Completed"
            "expired" -> "Ended"
            else -> status
        }

    override fun progressOf(
        done: String,
        target: String,
    ) = "$done of $target"

    override fun timeLeft(left: String) = "$left left"

    override fun rewardPoints(points: String) = "Reward: $points"

    override fun rewardCoupon(
        benefit: String,
        days: String,
    ) = "Reward: a $benefit off coupon for $days"

    override fun rewardCouponScoped(
        benefit: String,
        terms: String,
        days: String,
    ) = "Reward: a $benefit off coupon $terms, valid for $days"

    override fun rewardBadge(title: String) = "Reward: the “$title” badge"

    override fun completedTimes(times: Long) = "Completed $times " + en(times, "time", "times")

    override fun badgeLevel(
        level: Long,
        levels: Long,
    ) = if (levels <= 1L) (if (level > 0) "Earned" else "Not yet") else "Level $level of $levels"

    override fun badgeNext(
        progress: String,
        threshold: String,
    ) = "Next level: $progress of $threshold"

    override val leaderboards = "Leaderboards"
    override val noLeaderboards = "No leaderboards yet"
    override val boardInvite = "Join the leaderboards to see your rank. Others see only your name and score."
    override val boardNoParticipants = "No participants yet"
    override val boardNotSynced = "Not synced yet"
    override val boardNameTitle = "Your name on the leaderboards"
    override val boardNameLabel = "Name"
    override val boardLeave = "Leave the leaderboards"
    override val cancel = "Cancel"

    override fun boardPeriod(period: String) =
        when (period) {
            "week" -> "This week"
            "month" -> "This month"
            "all_time" -> "All time"
            else -> period
        }

    override fun boardUpdated(time: String) = "Updated $time"

    override fun boardParticipants(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + en(count, "participant", "participants")

    override fun boardPurchases(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + en(count, "purchase", "purchases")

    override fun boardCompletions(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + en(count, "challenge", "challenges")

    override fun boardMe(
        rank: String,
        value: String,
    ) = "Your rank: $rank, $value"

    override fun boardToPass(
        amount: String,
        rank: String,
    ) = "$amount more to pass rank $rank"

    override fun boardToMoveUp(amount: String) = "$amount more to move up"

    override fun boardJoinedAs(name: String) = "You appear as “$name”"

    override fun boardPendingAs(name: String) = "“$name” waits for the server to confirm it"

    override val noMessages = "No messages"
    override val activate = "Activate"
    override val activated = "Coupon in your wallet"
    override val dismiss = "Dismiss"
    override val pinned = "Pinned"

    override fun unread(count: Long) = "$count unread"

    override fun expires(date: String) = "Valid until $date"

    override val welcomeTitle = "Loyalty card"
    override val welcomeBody = "Earn points on every purchase, swap them for discounts and take on challenges."
    override val enroll = "Get my card"
    override val enrolling = "Issuing your card…"
    override val tryDemo = "Try the demo"
    override val signOut = "Sign out"
    override val signingOut = "Signing out…"

    override fun enrolled(last4: String) = "Card •••• $last4 is ready"

    override val syncFailed = "Could not refresh. The card works offline."
    override val retry = "Retry"
    override val offlineNotice = "Offline: showing saved data"
    override val refreshing = "Refreshing…"
}
