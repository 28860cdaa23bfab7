package app.loyalty.app

import org.junit.Assert.assertEquals
import org.junit.Test

class PushPayloadTest {
    @Test
    fun theDataMapBecomesAnObjectOfStrings() {
        val data = linkedMapOf("kind" to "offer", "message_id" to "o-1", "coupon_percent" to "15", "pinned" to "true")
        assertEquals(
            """{"kind":"offer","message_id":"o-1","coupon_percent":"15","pinned":"true"}""",
            PushPayload.json(data),
        )
    }

    @Test
    fun quotesBackslashesAndControlCharactersAreEscaped() {
        assertEquals(
            """{"title":"say \"hi\" \\ now\n\t\r\u0001","body":"Скидка 15 % 🎁"}""",
            PushPayload.json(linkedMapOf("title" to "say \"hi\" \\ now\n\t\r\u0001", "body" to "Скидка 15 % 🎁")),
        )
    }

    @Test
    fun anEmptyMapIsAnEmptyObject() {
        assertEquals("{}", PushPayload.json(emptyMap()))
    }
}
