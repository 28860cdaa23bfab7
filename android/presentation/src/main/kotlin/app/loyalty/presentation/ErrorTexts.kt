package app.loyalty.presentation

/**
 * What the shopper reads for each error code of the core, in both
 * languages. The core's own message (in `reason`) is for logs and support;
 * these say what happened and what to do, without jargon.
 */
object ErrorTexts {
    private val ru =
        mapOf(
            "invalid_rules" to "Правила программы не удалось прочитать. Обновите приложение.",
            "no_program" to "Программа лояльности ещё не загружена. Подключитесь к сети.",
            "invalid_amount" to "Неверная сумма.",
            "invalid_quantity" to "Неверное количество.",
            "invalid_points" to "Неверное число баллов.",
            "invalid_id" to "Неверный идентификатор.",
            "empty_receipt" to "В чеке нет товаров.",
            "duplicate_receipt" to "Этот чек уже учтён.",
            "unknown_receipt" to "Чек не найден.",
            "return_exceeds_purchase" to "Нельзя вернуть больше, чем было куплено.",
            "coupon_not_found" to "Купон не найден.",
            "coupon_used" to "Купон уже использован.",
            "coupon_expired" to "Срок действия купона истёк.",
            "coupon_not_applicable" to
                "Купон не подходит к этой покупке: в ней нет товаров, на которые он действует, или сумма меньше нужной.",
            "duplicate_coupon" to "Такой купон уже есть.",
            "unknown_reward" to "Такой награды больше нет.",
            "insufficient_points" to "Не хватает баллов.",
            "redemption_cap_exceeded" to "Баллами можно оплатить только часть покупки.",
            "bonus_already_granted" to "Этот бонус уже начислен.",
            "bonus_not_configured" to "Такого бонуса в программе нет.",
            "invalid_card_number" to "Неверный номер карты.",
            "invalid_secret" to "Карта повреждена. Выйдите и войдите снова.",
            "invalid_card_config" to "Карту нельзя показать с текущими настройками программы.",
            "barcode" to "Не удалось нарисовать код карты.",
            "no_card" to "Карты пока нет: войдите, чтобы получить её.",
            "secret_store" to "Защищённое хранилище телефона недоступно. Разблокируйте телефон и повторите.",
            "unknown_challenge" to "Такого задания больше нет.",
            "already_joined" to "Вы уже участвуете в этом задании.",
            "challenge_not_open" to "Задание сейчас не открыто.",
            "invalid_push" to "Получено повреждённое сообщение.",
            "unknown_message" to "Сообщение не найдено.",
            "not_an_offer" to "Это сообщение не предложение.",
            "already_activated" to "Предложение уже активировано.",
            "offer_expired" to "Срок предложения истёк.",
            "clock_skew" to "Часы телефона сбились. Включите автоматическую дату и время.",
            "network" to "Нет связи с сервером. Карта работает и без сети.",
            "server" to "Сервер временно не отвечает. Попробуйте позже.",
            "overflow" to "Слишком большое число.",
            "schema_too_new" to "Данные сохранены более новой версией приложения. Обновите приложение.",
            "not_a_database" to "Файл данных принадлежит другому приложению.",
            "invalid_config" to "Приложение настроено неверно. Обновите приложение.",
            "already_enrolled" to "Карта уже выпущена на этом телефоне.",
            "no_server" to "Сервер не задан. Обновите приложение.",
            "token_unavailable" to "Вход истёк. Войдите снова.",
            "interrupted" to "Вы вышли из аккаунта, действие отменено.",
            "storage" to "Не удалось сохранить данные. Проверьте память телефона.",
            "storage_full" to "Память телефона заполнена. Освободите место.",
            "corrupt_store" to "Данные на телефоне повреждены. Выйдите и войдите снова: баллы хранятся на сервере.",
            "invalid_pass" to "Не удалось подготовить карту для кошелька: данные карты неверны.",
            "pass_token_refused" to "Не удалось выпустить карту для Apple Wallet. Попробуйте позже.",
            "invalid_display_name" to "Имя для рейтинга: от 2 до 24 букв, цифр, пробелов, точек, дефисов и подчёркиваний",
            "name_taken" to "Это имя уже занято. Выберите другое.",
            "internal" to "Внутренняя ошибка приложения. Мы уже знаем о ней.",
            "callback_failed" to "Ошибка приложения. Попробуйте ещё раз.",
        )

    private val en =
        mapOf(
            "invalid_rules" to "The program's rules could not be read. Update the app.",
            "no_program" to "The loyalty program has not loaded yet. Connect to the internet.",
            "invalid_amount" to "That amount is not valid.",
            "invalid_quantity" to "That quantity is not valid.",
            "invalid_points" to "That number of points is not valid.",
            "invalid_id" to "That id is not valid.",
            "empty_receipt" to "The receipt has no items.",
            "duplicate_receipt" to "This receipt was already counted.",
            "unknown_receipt" to "Receipt not found.",
            "return_exceeds_purchase" to "You cannot return more than you bought.",
            "coupon_not_found" to "Coupon not found.",
            "coupon_used" to "This coupon was already used.",
            "coupon_expired" to "This coupon has expired.",
            "coupon_not_applicable" to
                "This coupon doesn't apply to this purchase: it has none of the items the coupon is for, or the total is below its minimum.",
            "duplicate_coupon" to "You already have this coupon.",
            "unknown_reward" to "This reward is no longer offered.",
            "insufficient_points" to "Not enough points.",
            "redemption_cap_exceeded" to "Points can pay for only part of a purchase.",
            "bonus_already_granted" to "This bonus was already given.",
            "bonus_not_configured" to "The program has no such bonus.",
            "invalid_card_number" to "That card number is not valid.",
            "invalid_secret" to "The card is damaged. Sign out and in again.",
            "invalid_card_config" to "The card cannot be shown with the program's current settings.",
            "barcode" to "The card's code could not be drawn.",
            "no_card" to "No card yet: sign in to get one.",
            "secret_store" to "The phone's secure storage is unavailable. Unlock the phone and try again.",
            "unknown_challenge" to "This challenge is no longer offered.",
            "already_joined" to "You already joined this challenge.",
            "challenge_not_open" to "This challenge is not open now.",
            "invalid_push" to "A damaged message was received.",
            "unknown_message" to "Message not found.",
            "not_an_offer" to "This message is not an offer.",
            "already_activated" to "This offer is already activated.",
            "offer_expired" to "This offer has expired.",
            "clock_skew" to "The phone's clock is off. Turn on automatic date and time.",
            "network" to "Cannot reach the server. The card works offline.",
            "server" to "The server is not answering right now. Try again later.",
            "overflow" to "That number is too large.",
            "schema_too_new" to "Your data was saved by a newer version of the app. Update the app.",
            "not_a_database" to "The data file belongs to another app.",
            "invalid_config" to "The app is set up wrongly. Update the app.",
            "already_enrolled" to "A card is already issued on this phone.",
            "no_server" to "No server is set. Update the app.",
            "token_unavailable" to "Your sign-in has expired. Sign in again.",
            "interrupted" to "You signed out, so this was cancelled.",
            "storage" to "Your data could not be saved. Check the phone's storage.",
            "storage_full" to "The phone's storage is full. Free some space.",
            "corrupt_store" to "The data on this phone is damaged. Sign out and in again: your points are kept on the server.",
            "invalid_pass" to "The wallet card could not be made: its details are not valid.",
            "pass_token_refused" to "The Apple Wallet card could not be issued. Try again later.",
            "invalid_display_name" to "A leaderboard name is 2 to 24 letters, digits, spaces, dots, hyphens and underscores",
            "name_taken" to "That name is taken. Choose another.",
            "internal" to "Something went wrong inside the app. We know about it.",
            "callback_failed" to "Something went wrong in the app. Try again.",
        )

    /** The message for `code` in `lang`; a code from a newer core gets a general one. */
    fun message(
        code: String,
        lang: Lang,
    ): String =
        known(code, lang) ?: when (lang) {
            Lang.RU -> "Что-то пошло не так. Попробуйте ещё раз."
            Lang.EN -> "Something went wrong. Try again."
        }

    /** The message for `code` in `lang`, or null when the catalogue has none (tests). */
    fun known(
        code: String,
        lang: Lang,
    ): String? = (if (lang == Lang.RU) ru else en)[code]
}
