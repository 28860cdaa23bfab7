package app.loyalty.presentation

import java.time.Instant
import java.time.ZoneId
import java.util.Locale

/** The two languages the app speaks; anything else falls back to English. */
enum class Lang {
    RU,
    EN,
    ;

    companion object {
        /** The language for a device locale (`ru`, `ru-RU`, … → Russian). */
        fun of(locale: Locale): Lang = if (locale.language == "ru") RU else EN
    }
}

/** CLDR plural categories of the two languages (English uses ONE and OTHER). */
enum class Plural { ONE, FEW, MANY, OTHER }

/**
 * Formatting of what the core returns: money in minor units, points, dates,
 * durations. Written out by hand, not taken from the platform's locale data,
 * so that Android (any API level) and the desktop JVM print the same
 * characters — and iOS can be pinned to the same vectors.
 *
 * Russian: "1 540 ₽", "1 540,50 ₽", "1 балл, 2 балла, 5 баллов", "14 декабря".
 * English: "₽1,540", "₽1,540.50", "1 point, 2 points", "December 14".
 */
class Format(
    val lang: Lang,
    val zone: ZoneId,
) {
    /** A whole number with the language's thousands separator. */
    fun number(n: Long): String {
        val digits = if (n == Long.MIN_VALUE) "9223372036854775808" else kotlin.math.abs(n).toString()
        val sep = if (lang == Lang.RU) NBSP else ","
        val grouped =
            digits
                .reversed()
                .chunked(3)
                .joinToString(sep)
                .reversed()
        return if (n < 0) MINUS + grouped else grouped
    }

    /** Money in minor units of `currency` (ISO 4217); kopecks shown only when there are some. */
    fun money(
        minor: Long,
        currency: String,
    ): String {
        val negative = minor < 0
        // Split before taking the sign off, so Long.MIN_VALUE keeps its last kopeck.
        val whole = number(kotlin.math.abs(minor / 100))
        val cents = kotlin.math.abs(minor % 100)
        val decimal = if (lang == Lang.RU) "," else "."
        val amount = if (cents == 0L) whole else whole + decimal + cents.toString().padStart(2, '0')
        val symbol = SYMBOLS[currency] ?: currency
        val text =
            if (lang ==
                Lang.RU
            ) {
                "$amount$NBSP$symbol"
            } else if (SYMBOLS.containsKey(currency)) {
                "$symbol$amount"
            } else {
                "$symbol$NBSP$amount"
            }
        return if (negative) MINUS + text else text
    }

    /** Points with the word in its plural form: "1 балл", "5 баллов", "21 points". */
    fun points(n: Long): String = "${number(n)}$NBSP${pointsWord(n)}"

    /** Points as a signed change for history lines: "+150", "−40". */
    fun pointsDelta(n: Long): String = if (n > 0) "+${number(n)}" else number(n)

    /** The word for `n` points alone. */
    fun pointsWord(n: Long): String =
        when (lang) {
            Lang.RU -> ru(n, "балл", "балла", "баллов")
            Lang.EN -> if (plural(n) == Plural.ONE) "point" else "points"
        }

    /** Days: "1 день", "3 дня", "5 дней"; "1 day", "3 days". */
    fun days(n: Long): String =
        "${number(n)}$NBSP" +
            when (lang) {
                Lang.RU -> ru(n, "день", "дня", "дней")
                Lang.EN -> if (plural(n) == Plural.ONE) "day" else "days"
            }

    /** A time left, coarsest unit first: "3 дня", "5 часов", "12 минут"; "3 days". */
    fun timeLeft(seconds: Long): String {
        val s = seconds.coerceAtLeast(0)
        return when {
            s >= DAY -> days(s / DAY)
            s >= HOUR -> unit(s / HOUR, "час", "часа", "часов", "hour", "hours")
            else -> unit((s + MINUTE - 1) / MINUTE, "минута", "минуты", "минут", "minute", "minutes")
        }
    }

    /** Seconds: "21 секунда", "5 секунд"; "21 seconds". */
    fun seconds(n: Long): String = unit(n, "секунда", "секунды", "секунд", "second", "seconds")

    /** A date in the device's zone: "14 декабря" (year added when it is not this year's). */
    fun date(
        epochMs: Long,
        nowMs: Long,
    ): String {
        val d = Instant.ofEpochMilli(epochMs).atZone(zone).toLocalDate()
        val thisYear = Instant.ofEpochMilli(nowMs).atZone(zone).year
        val month = d.monthValue - 1
        val base =
            when (lang) {
                Lang.RU -> "${d.dayOfMonth}$NBSP${RU_MONTHS_GENITIVE[month]}"
                Lang.EN -> "${EN_MONTHS[month]}$NBSP${d.dayOfMonth}"
            }
        return when {
            d.year == thisYear -> base
            lang == Lang.RU -> "$base ${d.year}$NBSP" + "г."
            else -> "$base, ${d.year}"
        }
    }

    /** A date with the time of day: "14 декабря, 10:05"; "December 14, 10:05". */
    fun dateTime(
        epochMs: Long,
        nowMs: Long,
    ): String {
        val t = Instant.ofEpochMilli(epochMs).atZone(zone).toLocalTime()
        val hhmm = "%02d:%02d".format(Locale.ROOT, t.hour, t.minute)
        return "${date(epochMs, nowMs)}, $hhmm"
    }

    /**
     * The time of day when `epochMs` falls on today's date in the device's
     * zone ("10:05"), else the date with the time ("30 ноября, 10:05").
     */
    fun clock(
        epochMs: Long,
        nowMs: Long,
    ): String {
        val at = Instant.ofEpochMilli(epochMs).atZone(zone)
        val today = Instant.ofEpochMilli(nowMs).atZone(zone).toLocalDate()
        return if (at.toLocalDate() == today) "%02d:%02d".format(Locale.ROOT, at.hour, at.minute) else dateTime(epochMs, nowMs)
    }

    /** A percent given in hundredths: 1500 → "15 %" / "15%", 1250 → "12,5 %" / "12.5%". */
    fun percent(hundredths: Long): String {
        val whole = hundredths / 100
        val frac = kotlin.math.abs(hundredths % 100)
        val decimal = if (lang == Lang.RU) "," else "."
        val digits = if (frac == 0L) "" else decimal + frac.toString().padStart(2, '0').trimEnd('0')
        return if (lang == Lang.RU) "$whole$digits$NBSP%" else "$whole$digits%"
    }

    /** The CLDR plural category of `n` in this language. */
    fun plural(n: Long): Plural = plural(lang, n)

    private fun unit(
        n: Long,
        one: String,
        few: String,
        many: String,
        enOne: String,
        enOther: String,
    ): String =
        "${number(n)}$NBSP" +
            when (lang) {
                Lang.RU -> ru(n, one, few, many)
                Lang.EN -> if (plural(n) == Plural.ONE) enOne else enOther
            }

    private fun ru(
        n: Long,
        one: String,
        few: String,
        many: String,
    ): String =
        when (plural(Lang.RU, n)) {
            Plural.ONE -> one
            Plural.FEW -> few
            else -> many
        }

    companion object {
        /** No-break space: numbers and their units never part at a line end. */
        const val NBSP = "\u00A0"

        /** The minus sign (U+2212), not a hyphen. */
        const val MINUS = "\u2212"

        private const val MINUTE = 60L
        private const val HOUR = 3_600L
        private const val DAY = 86_400L

        private val SYMBOLS = mapOf("RUB" to "₽", "EUR" to "€", "USD" to "$", "KZT" to "₸", "BYN" to "Br")

        private val RU_MONTHS_GENITIVE =
            listOf(
                "января",
                "февраля",
                "марта",
                "апреля",
                "мая",
                "июня",
                "июля",
                "августа",
                "сентября",
                "октября",
                "ноября",
                "декабря",
            )
        private val EN_MONTHS =
            listOf(
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            )

        /**
         * CLDR plural rules for integers. Russian: one — ends in 1 but not 11;
         * few — ends in 2–4 but not 12–14; many — the rest. English: one — 1.
         */
        fun plural(
            lang: Lang,
            n: Long,
        ): Plural {
            val a = if (n == Long.MIN_VALUE) Long.MAX_VALUE else kotlin.math.abs(n)
            return when (lang) {
                Lang.EN -> {
                    if (a == 1L) Plural.ONE else Plural.OTHER
                }

                Lang.RU -> {
                    val d = a % 10
                    val h = a % 100
                    when {
                        d == 1L && h != 11L -> Plural.ONE
                        d in 2L..4L && h !in 12L..14L -> Plural.FEW
                        else -> Plural.MANY
                    }
                }
            }
        }
    }
}
