package app.loyalty.presentation

import app.loyalty.core.errorCodes
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** Every error code the library can raise — listed by the library itself — has a message in both languages. */
class ErrorTextsTest {
    @Test
    fun everyCoreErrorCodeHasAMessageInBothLanguages() {
        val codes = errorCodes()
        assertTrue("the core lists its codes (${codes.size})", codes.size >= 45)
        assertTrue(codes.containsAll(listOf("insufficient_points", "clock_skew", "corrupt_store", "internal")))
        for (code in codes) {
            for (lang in Lang.entries) {
                val text = ErrorTexts.known(code, lang)
                assertNotNull("$code has no ${lang.name} message", text)
                assertTrue("$code/$lang: ${text!!}", text.length > 5 && !text.contains('_'))
            }
            assertNotEquals(code, ErrorTexts.known(code, Lang.RU), ErrorTexts.known(code, Lang.EN))
        }
        // A code from a newer core still gets a message.
        assertEquals("Something went wrong. Try again.", ErrorTexts.message("from_the_future", Lang.EN))
    }
}
