package app.loyalty.app

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test

class DeepLinksTest {
    @Test
    fun anIdSurvivesTheRoundTrip() {
        for (id in listOf("o-1", "autumn_15.v2~x", "a/b?c#d e%f", "осень-15", "🎁 gift", "challenge:step:3")) {
            val link = DeepLinks.offer(id)
            assertEquals(link, id, DeepLinks.messageId(link))
        }
    }

    @Test
    fun reservedCharactersAreEncoded() {
        assertEquals("loyalty://offers/a%2Fb%3Fc%23d%20e%25f", DeepLinks.offer("a/b?c#d e%f"))
        assertEquals("loyalty://offers/%D0%BE", DeepLinks.offer("о"))
    }

    @Test
    fun schemeAndHostInAnyCaseAndQueryOrFragmentIgnored() {
        assertEquals("o-1", DeepLinks.messageId("LOYALTY://Offers/o-1"))
        assertEquals("o-1", DeepLinks.messageId("loyalty://offers/o-1/"))
        assertEquals("o-1", DeepLinks.messageId("loyalty://offers/o-1?utm=push#top"))
        assertEquals("осень", DeepLinks.messageId("loyalty://offers/осень"))
    }

    @Test
    fun otherOrMalformedLinksAreNotMessages() {
        for (link in listOf(
            "loyalty://offers/",
            "loyalty://offers",
            "loyalty://wallet/o-1",
            "https://offers/o-1",
            "loyalty://offers/a/b",
            "loyalty://offers/%",
            "loyalty://offers/%4",
            "loyalty://offers/%zz",
            "loyalty://offers/%FF",
            "loyalty://offers/%20",
            "loyalty:offers/o-1",
        )) {
            assertNull(link, DeepLinks.messageId(link))
        }
    }
}
