package app.loyalty.presentation

import org.junit.Assert.assertEquals
import org.junit.Test
import java.time.ZoneId

private const val NB = Format.NBSP

/** Money, points, dates and plural forms as the shopper reads them, in both languages. */
class FormatTest {
    private val moscow = ZoneId.of("Europe/Moscow")
    private val ru = Format(Lang.RU, moscow)
    private val en = Format(Lang.EN, moscow)

    @Test
    fun russianPluralFormsOfPoints() {
        val cases =
            mapOf(
                0L to "0${NB}баллов",
                1L to "1${NB}балл",
                2L to "2${NB}балла",
                4L to "4${NB}балла",
                5L to "5${NB}баллов",
                11L to "11${NB}баллов",
                12L to "12${NB}баллов",
                14L to "14${NB}баллов",
                21L to "21${NB}балл",
                22L to "22${NB}балла",
                25L to "25${NB}баллов",
                101L to "101${NB}балл",
                111L to "111${NB}баллов",
                1001L to "1${NB}001${NB}балл",
                1540L to "1${NB}540${NB}баллов",
                -1L to "\u22121${NB}балл",
            )
        for ((n, text) in cases) assertEquals("$n", text, ru.points(n))
        assertEquals("1${NB}point", en.points(1))
        assertEquals("0${NB}points", en.points(0))
        assertEquals("21${NB}points", en.points(21))
        assertEquals("1,540${NB}points", en.points(1540))
    }

    @Test
    fun pluralCategoriesFollowCldr() {
        val one = listOf(1L, 21L, 31L, 101L, 1001L, 1_000_001L)
        val few = listOf(2L, 3L, 4L, 22L, 23L, 24L, 102L, 1004L)
        val many = listOf(0L, 5L, 10L, 11L, 12L, 13L, 14L, 15L, 20L, 25L, 100L, 111L, 112L, 114L)
        one.forEach { assertEquals("$it", Plural.ONE, Format.plural(Lang.RU, it)) }
        few.forEach { assertEquals("$it", Plural.FEW, Format.plural(Lang.RU, it)) }
        many.forEach { assertEquals("$it", Plural.MANY, Format.plural(Lang.RU, it)) }
        assertEquals(Plural.ONE, Format.plural(Lang.EN, 1))
        assertEquals(Plural.OTHER, Format.plural(Lang.EN, 21))
        assertEquals("5${NB}дней", ru.days(5))
        assertEquals("2${NB}дня", ru.days(2))
        assertEquals("21${NB}секунда", ru.seconds(21))
        assertEquals("3${NB}часа", ru.timeLeft(3 * 3600 + 5))
        assertEquals("1${NB}minute", en.timeLeft(59))
    }

    @Test
    fun theCountdownUsesTheAccusativeAfterThrough() {
        assertEquals("Код сменится через 21${NB}секунду", RuTexts.codeChangesIn(21, "21"))
        assertEquals("Код сменится через 2${NB}секунды", RuTexts.codeChangesIn(2, "2"))
        assertEquals("Код сменится через 11${NB}секунд", RuTexts.codeChangesIn(11, "11"))
        assertEquals("Code changes in 1${NB}second", EnTexts.codeChangesIn(1, "1"))
        assertEquals("Card code, changes in 21${NB}seconds", EnTexts.cardCodeDescription(21, "21"))
        assertEquals("Card code", EnTexts.cardCodeDescription(null, null))
        assertEquals("2 действия ждут синхронизации", RuTexts.pendingActions(2))
        assertEquals("1 действие ждёт синхронизации", RuTexts.pendingActions(1))
    }

    @Test
    fun moneyInRoublesAndKopecks() {
        assertEquals("1${NB}540$NB₽", ru.money(154_000, "RUB"))
        assertEquals("1${NB}540,50$NB₽", ru.money(154_050, "RUB"))
        assertEquals("0,05$NB₽", ru.money(5, "RUB"))
        assertEquals("\u22121${NB}000$NB₽", ru.money(-100_000, "RUB"))
        assertEquals("₽1,540", en.money(154_000, "RUB"))
        assertEquals("₽1,540.50", en.money(154_050, "RUB"))
        assertEquals("1${NB}000${NB}000$NB€", ru.money(100_000_000, "EUR"))
        assertEquals("CHF${NB}12.30", en.money(1_230, "CHF"))
        // The extremes format without overflow.
        assertEquals("92${NB}233${NB}720${NB}368${NB}547${NB}758,07$NB₽", ru.money(Long.MAX_VALUE, "RUB"))
        assertEquals("\u221292${NB}233${NB}720${NB}368${NB}547${NB}758,08$NB₽", ru.money(Long.MIN_VALUE, "RUB"))
        assertEquals("15$NB%", ru.percent(1500))
        assertEquals("12,5$NB%", ru.percent(1250))
        assertEquals("12.5%", en.percent(1250))
    }

    @Test
    fun datesInTheDevicesZone() {
        val now = 1_796_112_000_000L // 2026-12-01T08:00:00Z
        val dec14 = 1_797_231_600_000L // 2026-12-14T07:00:00Z
        assertEquals("14${NB}декабря", ru.date(dec14, now))
        assertEquals("December${NB}14", en.date(dec14, now))
        // 21:30 UTC on 31 December is already 1 January in Moscow, and another year.
        val newYear = 1_798_752_600_000L // 2026-12-31T21:30:00Z
        assertEquals("1${NB}января 2027${NB}г.", ru.date(newYear, now))
        assertEquals("January${NB}1, 2027", en.date(newYear, now))
        assertEquals("14${NB}декабря, 10:00", ru.dateTime(dec14, now))
    }
}
