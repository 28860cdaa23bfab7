package app.loyalty.presentation

private fun ru(
    n: Long,
    one: String,
    few: String,
    many: String,
): String =
    when (Format.plural(Lang.RU, n)) {
        Plural.ONE -> one
        Plural.FEW -> few
        else -> many
    }

/** Russian. */
object RuTexts : Texts {
    override val lang = Lang.RU

    override val tabCard = "Карта"
    override val tabWallet = "Баллы"
    override val tabChallenges = "Задания"
    override val tabBadges = "Значки"
    override val tabInbox = "Сообщения"
    override val settings = "Настройки"

    override val cardTitle = "Карта покупателя"
    override val showBarcode = "Штрихкод для старой кассы"
    override val showQr = "Показать QR-код"
    override val noCard = "Карты пока нет: войдите, чтобы получить её."
    override val clockTitle = "Проверьте часы телефона"
    override val staticCode = "Номер карты (код не меняется)"
    override val worksOffline = "Работает на любой кассе, даже без интернета"
    override val offlineCodeUnavailable = "Офлайн-код недоступен: на кассе нужен интернет"
    override val offlineCodeFailed = "Офлайн-код сейчас не создаётся: на кассе нужен интернет"

    // "через 1 секунду, 2 секунды, 5 секунд": the accusative after "через" and "ещё".
    private fun secondsAcc(
        n: Long,
        number: String,
    ) = "$number${Format.NBSP}" + ru(n, "секунду", "секунды", "секунд")

    override fun codeChangesIn(
        seconds: Long,
        number: String,
    ) = "Код сменится через ${secondsAcc(seconds, number)}"

    override fun cardCodeDescription(
        seconds: Long?,
        number: String?,
    ) = if (seconds == null || number == null) "Код карты" else "Код карты, сменится через ${secondsAcc(seconds, number)}"

    override fun screenshotNote(
        seconds: Long,
        number: String,
    ) = "Касса примет этот код ещё ${secondsAcc(seconds, number)} и только один раз: снимок экрана бесполезен"

    override fun cardNumberDescription(number: String) = "Номер карты $number"

    override val balance = "Баланс"
    override val pullToRefresh = "Потяните, чтобы обновить"
    override val history = "История"
    override val loadMore = "Показать ещё"
    override val coupons = "Купоны"
    override val noCoupons = "Купонов нет"
    override val noHistory = "Покупок пока нет"
    override val topTier = "Высший уровень"

    override fun tierLine(tier: String) = "Уровень: $tier"

    override fun toNextTier(
        amount: String,
        tier: String,
    ) = "Ещё $amount до уровня «$tier»"

    override fun expiring(
        points: String,
        date: String,
    ) = "$date сгорает $points"

    override fun debt(points: String) = "Долг: $points спишется с будущих начислений"

    override fun pendingActions(count: Long) = "$count " + ru(count, "действие ждёт", "действия ждут", "действий ждут") + " синхронизации"

    override fun couponPercent(percent: String) = "Скидка $percent"

    override fun couponAmount(amount: String) = "Скидка $amount"

    override fun validUntil(date: String) = "до $date"

    override val yourPerks = "Привилегии уровня"
    override val couponOneItem = "на один товар"

    override fun reachTierToGet(tier: String) = "Достигните уровня «$tier», чтобы получить:"

    override fun nextDiscount(
        percent: String,
        source: String,
    ) = "Следующая покупка: скидка $percent — $source"

    override fun nextDiscountPlain(percent: String) = "Следующая покупка: скидка $percent"

    override fun discountSource(source: String) =
        when (source) {
            "tier" -> "скидка уровня"
            "member" -> "скидка участника"
            "first_purchase" -> "первая покупка"
            else -> source
        }

    override fun couponCategory(category: String) = "на категорию «$category»"

    override fun couponSkus(skus: String) = "на товары $skus"

    override fun couponOneItemOfCategory(category: String) = "на один товар из категории «$category»"

    override fun couponOneItemOfSkus(skus: String) = "на один из товаров $skus"

    override fun couponFrom(amount: String) = "при покупке от $amount"

    override fun couponScoped(
        benefit: String,
        terms: String,
    ) = "$benefit $terms"

    override fun historyKind(kind: String) =
        when (kind) {
            "earn" -> "Начисление за покупку"
            "pay" -> "Оплата баллами"
            "redeem" -> "Обмен на награду"
            "bonus" -> "Бонус"
            "expire" -> "Сгорание баллов"
            "reverse" -> "Возврат покупки"
            "refund" -> "Возврат баллов"
            "challenge" -> "Награда за задание"
            "clawback" -> "Отмена награды за задание"
            else -> "Операция"
        }

    override fun tierName(id: String) =
        when (id) {
            "bronze" -> "Бронзовый"
            "silver" -> "Серебряный"
            "gold" -> "Золотой"
            "platinum" -> "Платиновый"
            else -> id.replaceFirstChar { it.uppercase() }
        }

    override val join = "Участвовать"
    override val noChallenges = "Заданий пока нет"
    override val noBadges = "Значков пока нет"

    override fun challengeStatus(status: String) =
        when (status) {
            "active" -> "Идёт"
            "available" -> "Можно участвовать"
            "upcoming" -> "Скоро"
            "completed" -> "Выполнено"
            "expired" -> "Завершено"
            else -> status
        }

    override fun progressOf(
        done: String,
        target: String,
    ) = "$done из $target"

    override fun timeLeft(left: String) = "До конца: $left"

    override fun rewardPoints(points: String) = "Награда: $points"

    override fun rewardCoupon(
        benefit: String,
        days: String,
    ) = "Награда: купон на скидку $benefit на $days"

    override fun rewardCouponScoped(
        benefit: String,
        terms: String,
        days: String,
    ) = "Награда: купон на скидку $benefit $terms, действует $days"

    override fun rewardBadge(title: String) = "Награда: значок «$title»"

    override fun completedTimes(times: Long) = "Выполнено $times " + ru(times, "раз", "раза", "раз")

    override fun badgeLevel(
        level: Long,
        levels: Long,
    ) = if (levels <= 1L) (if (level > 0) "Получен" else "Не получен") else "Уровень $level из $levels"

    override fun badgeNext(
        progress: String,
        threshold: String,
    ) = "До следующего уровня: $progress из $threshold"

    override val leaderboards = "Рейтинги"
    override val noLeaderboards = "Рейтингов пока нет"
    override val boardInvite = "Участвуйте в рейтингах, чтобы видеть своё место. Другие увидят только ваше имя и результат."
    override val boardNoParticipants = "Участников пока нет"
    override val boardNotSynced = "Ещё не обновлялся"
    override val boardNameTitle = "Ваше имя в рейтингах"
    override val boardNameLabel = "Имя"
    override val boardLeave = "Выйти из рейтингов"
    override val cancel = "Отмена"

    override fun boardPeriod(period: String) =
        when (period) {
            "week" -> "Эта неделя"
            "month" -> "Этот месяц"
            "all_time" -> "За всё время"
            else -> period
        }

    override fun boardUpdated(time: String) = "Обновлено: $time"

    override fun boardParticipants(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + ru(count, "участник", "участника", "участников")

    override fun boardPurchases(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + ru(count, "покупка", "покупки", "покупок")

    override fun boardCompletions(
        count: Long,
        number: String,
    ) = "$number${Format.NBSP}" + ru(count, "задание", "задания", "заданий")

    override fun boardMe(
        rank: String,
        value: String,
    ) = "Ваше место: $rank, $value"

    override fun boardToPass(
        amount: String,
        rank: String,
    ) = "Ещё $amount, чтобы подняться на $rank\u2011е${Format.NBSP}место"

    override fun boardToMoveUp(amount: String) = "Ещё $amount, чтобы подняться выше"

    override fun boardJoinedAs(name: String) = "Вы в рейтингах как «$name»"

    override fun boardPendingAs(name: String) = "Имя «$name» ждёт подтверждения сервера"

    override val noMessages = "Сообщений нет"
    override val activate = "Активировать"
    override val activated = "Купон в кошельке"
    override val dismiss = "Скрыть"
    override val pinned = "Закреплено"

    override fun unread(count: Long) = "$count " + ru(count, "непрочитанное", "непрочитанных", "непрочитанных")

    override fun expires(date: String) = "Действует до $date"

    override val welcomeTitle = "Карта лояльности"
    override val welcomeBody = "Получайте баллы за покупки, обменивайте их на скидки и выполняйте задания."
    override val enroll = "Получить карту"
    override val enrolling = "Выпускаем карту…"
    override val tryDemo = "Посмотреть демо"
    override val signOut = "Выйти"
    override val signingOut = "Выходим…"

    override fun enrolled(last4: String) = "Карта •••• $last4 готова"

    override val syncFailed = "Не удалось обновить данные. Карта работает и без сети."
    override val retry = "Повторить"
    override val offlineNotice = "Нет связи: показаны сохранённые данные"
    override val refreshing = "Обновляем…"
}
