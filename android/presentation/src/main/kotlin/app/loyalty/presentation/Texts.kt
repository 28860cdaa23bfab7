package app.loyalty.presentation

/**
 * Every word the app shows, in one place per language. Plain Kotlin (no
 * Android resources) so the same catalogue is tested on the desktop JVM and
 * drawn by the Compose screens on Android and on the desktop alike.
 */
interface Texts {
    val lang: Lang

    // Tabs and titles
    val tabCard: String
    val tabWallet: String
    val tabChallenges: String
    val tabBadges: String
    val tabInbox: String
    val settings: String

    // Card
    val cardTitle: String
    val showBarcode: String
    val showQr: String
    val noCard: String
    val clockTitle: String
    val staticCode: String

    /** Beside a LOY2 code (device-signed, checked by the till without a network). */
    val worksOffline: String

    /** A LOY2 card shows its LOY1 code: its credential is missing, not valid now, revoked or for another key. */
    val offlineCodeUnavailable: String

    /** A LOY2 card shows its LOY1 code: the device key could not sign this time. */
    val offlineCodeFailed: String

    /** "Code changes in 21 seconds"; `number` is `seconds` formatted. */
    fun codeChangesIn(
        seconds: Long,
        number: String,
    ): String

    /** The content description of the code: "Card code, changes in 21 seconds" (no countdown: a static code). */
    fun cardCodeDescription(
        seconds: Long?,
        number: String?,
    ): String

    /** "A till takes this code for 39 seconds more, once only". */
    fun screenshotNote(
        seconds: Long,
        number: String,
    ): String

    fun cardNumberDescription(number: String): String

    // Wallet
    val balance: String
    val pullToRefresh: String
    val history: String
    val loadMore: String
    val coupons: String
    val noCoupons: String
    val noHistory: String
    val topTier: String

    fun tierLine(tier: String): String

    fun toNextTier(
        amount: String,
        tier: String,
    ): String

    fun expiring(
        points: String,
        date: String,
    ): String

    fun debt(points: String): String

    fun pendingActions(count: Long): String

    fun couponPercent(percent: String): String

    fun couponAmount(amount: String): String

    fun validUntil(date: String): String

    /** Above the current tier's perks (the program's own texts). */
    val yourPerks: String

    /** A coupon for one item of any kind. */
    val couponOneItem: String

    /** "Reach Gold to get:", above the next tier's perks. */
    fun reachTierToGet(tier: String): String

    /** "Next purchase: 15 % off — first purchase"; `source` is [discountSource]'s. */
    fun nextDiscount(
        percent: String,
        source: String,
    ): String

    /** The next purchase's discount when the core names no source. */
    fun nextDiscountPlain(percent: String): String

    /** Which rule gives the discount: `tier`, `member`, `first_purchase` (another id shows as itself). */
    fun discountSource(source: String): String

    /** A coupon for a category (the program's category id, as given). */
    fun couponCategory(category: String): String

    /** A coupon for some skus, listed with ", ". */
    fun couponSkus(skus: String): String

    fun couponOneItemOfCategory(category: String): String

    fun couponOneItemOfSkus(skus: String): String

    /** A coupon's minimum spend. */
    fun couponFrom(amount: String): String

    /** The benefit followed by its scope and minimum spend: "Скидка 15 % на категорию «clothing»". */
    fun couponScoped(
        benefit: String,
        terms: String,
    ): String

    fun historyKind(kind: String): String

    fun tierName(id: String): String

    // Challenges and badges
    val join: String
    val noChallenges: String
    val noBadges: String

    fun challengeStatus(status: String): String

    fun progressOf(
        done: String,
        target: String,
    ): String

    fun timeLeft(left: String): String

    fun rewardPoints(points: String): String

    fun rewardCoupon(
        benefit: String,
        days: String,
    ): String

    fun rewardBadge(title: String): String

    /** A coupon reward with its scope and minimum spend (`terms` as [couponTerms] gives them). */
    fun rewardCouponScoped(
        benefit: String,
        terms: String,
        days: String,
    ): String

    fun completedTimes(times: Long): String

    fun badgeLevel(
        level: Long,
        levels: Long,
    ): String

    fun badgeNext(
        progress: String,
        threshold: String,
    ): String

    // Leaderboards

    /** The screen's title and the button that opens it. */
    val leaderboards: String

    /** The program has no boards. */
    val noLeaderboards: String

    /** Not joined: what joining means, above the Join button. */
    val boardInvite: String

    /** A board with a standing but nobody on it. */
    val boardNoParticipants: String

    /** A board no sync has brought a standing for yet. */
    val boardNotSynced: String

    /** The join dialog's title. */
    val boardNameTitle: String

    /** The name field's label. */
    val boardNameLabel: String

    val boardLeave: String
    val cancel: String

    /** The board's period: `week`, `month`, `all_time` (another id shows as itself). */
    fun boardPeriod(period: String): String

    /** "Обновлено: 10:05"; `time` is [Format.clock]'s. */
    fun boardUpdated(time: String): String

    /** "12 участников"; `number` is `count` formatted. */
    fun boardParticipants(
        count: Long,
        number: String,
    ): String

    /** A value of the `purchases` metric: "5 покупок". */
    fun boardPurchases(
        count: Long,
        number: String,
    ): String

    /** A value of the `challenge_completions` metric: "3 задания". */
    fun boardCompletions(
        count: Long,
        number: String,
    ): String

    /** My standing: rank and value, both formatted. */
    fun boardMe(
        rank: String,
        value: String,
    ): String

    /**
     * "Ещё 40 баллов, чтобы подняться на 2-е место": the core's `to_pass_next`
     * and the rank above mine (a no-break hyphen and space keep "2‑е место" whole).
     */
    fun boardToPass(
        amount: String,
        rank: String,
    ): String

    /** The same when the rank above mine is not on the list. */
    fun boardToMoveUp(amount: String): String

    /** Joined and confirmed. */
    fun boardJoinedAs(name: String): String

    /** Joined, the server has still to confirm the name. */
    fun boardPendingAs(name: String): String

    // Inbox
    val noMessages: String
    val activate: String
    val activated: String
    val dismiss: String
    val pinned: String

    fun unread(count: Long): String

    fun expires(date: String): String

    // Onboarding and settings
    val welcomeTitle: String
    val welcomeBody: String
    val enroll: String
    val enrolling: String
    val tryDemo: String
    val signOut: String
    val signingOut: String

    fun enrolled(last4: String): String

    // Notices
    val syncFailed: String
    val retry: String
    val offlineNotice: String
    val refreshing: String

    companion object {
        /** The catalogue of `lang`. */
        fun of(lang: Lang): Texts = if (lang == Lang.RU) RuTexts else EnTexts
    }
}
