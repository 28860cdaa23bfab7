package app.loyalty.presentation

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The card's ticker on virtual time: a new code exactly at the step boundary, one update per second, no sleeping. */
class CardTickerTest {
    private fun shown(model: CardScreenModel) = model.state.value as CardState.Shown

    @Test
    fun theCodeRotatesExactlyAtTheStepBoundary() =
        runTest {
            val io = StandardTestDispatcher(testScheduler)
            val client = client(VirtualClock(T0_MS, testScheduler))
            client.enrollCard("2000000000015", "3132333435363738393031323334353637383930")
            val model = CardScreenModel(env(client, Lang.RU, io))
            val seen = mutableListOf<CardState>()
            backgroundScope.launch(io) { model.state.toList(seen) }
            model.start(backgroundScope)
            runCurrent()
            val first = shown(model)
            assertEquals("Код сменится через 9\u00A0секунд", first.countdown)
            assertEquals("Код карты, сменится через 9\u00A0секунд", first.codeDescription)
            assertTrue(first.payload.startsWith("LOY1:2000000000015:"))
            assertTrue("the till still takes it 30 s after the rotation: ${first.screenshotNote}", first.screenshotNote!!.contains("39"))

            advanceTimeBy(8_999)
            runCurrent()
            assertEquals(first.payload, shown(model).payload)
            assertEquals("Код сменится через 1\u00A0секунду", shown(model).countdown)

            advanceTimeBy(1)
            runCurrent()
            val next = shown(model)
            assertNotEquals("a new code at the boundary, not a second later", first.payload, next.payload)
            assertEquals("Код сменится через 30\u00A0секунд", next.countdown)

            // One update per second over a whole step, no more.
            val before = seen.size
            advanceTimeBy(30_000)
            runCurrent()
            assertEquals(30, seen.size - before)
        }

    @Test
    fun theWindowIsBrightAwakeAndSecureOnlyWhileTheCardShows() =
        runTest {
            val model = CardScreenModel(env(client(FixedClock(T0_MS)), Lang.EN, StandardTestDispatcher(testScheduler)))
            assertEquals(WindowState(), model.window.value)
            model.onVisible(true)
            assertEquals(WindowState(fullBrightness = true, keepScreenOn = true, secure = true), model.window.value)
            model.onVisible(false)
            assertEquals(WindowState(), model.window.value)
        }

    @Test
    fun noCardAndTheLinearBarcode() =
        runTest {
            val io = StandardTestDispatcher(testScheduler)
            val client = client(FixedClock(T0_MS))
            val model = CardScreenModel(env(client, Lang.EN, io))
            model.reload()
            assertEquals(CardState.NoCard("No card yet: sign in to get one."), model.state.value)
            client.enrollCard("4006381333931", "3132333435363738393031323334353637383930")
            model.reload()
            val qr = shown(model)
            assertEquals(CodeKind.QR, qr.kind)
            val q = qr.qr!!
            assertTrue(q.quietZone >= 4)
            assertEquals(q.side + 2 * q.quietZone, q.fullSide)
            // The finder pattern's corner is dark, the module next to it inside is light.
            assertTrue(q.isDark(0, 0) && q.isDark(6, 6) && !q.isDark(1, 1))
            assertEquals(3, q.pixelsPerModule(3 * q.fullSide + 2))
            model.toggleCode()
            val bars = shown(model)
            assertEquals(CodeKind.LINEAR, bars.kind)
            assertNull(bars.qr)
            assertEquals("4006381333931", bars.bars!!.text)
            assertNull("a static code has no countdown", bars.countdown)
            assertEquals("Show the QR code", bars.switchLabel)
        }
}
