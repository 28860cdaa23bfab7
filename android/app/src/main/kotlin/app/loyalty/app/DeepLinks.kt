package app.loyalty.app

import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/**
 * The app's links: `loyalty://offers/<message id>` opens the inbox on that
 * message (notifications use it, and so can an offer's `deep_link`). The id
 * is percent-encoded as UTF-8, since message ids may hold any visible
 * character, `/` and `?` included. Plain Kotlin: tested on the desktop.
 */
object DeepLinks {
    /** The URL scheme, also the core's `deepLinkScheme`. */
    const val SCHEME = "loyalty"

    /** The host of links to an inbox message. */
    const val OFFERS = "offers"

    private const val PREFIX = "$SCHEME://$OFFERS/"

    /** The link that opens the inbox on message `id`. */
    fun offer(id: String): String {
        val out = StringBuilder(PREFIX)
        for (b in id.toByteArray(Charsets.UTF_8)) {
            val c = b.toInt().toChar()
            if (b >= 0 && (c.isLetterOrDigit() || c in "-._~")) {
                out.append(c)
            } else {
                out.append('%').append(HEX[(b.toInt() shr 4) and 0xf]).append(HEX[b.toInt() and 0xf])
            }
        }
        return out.toString()
    }

    /**
     * The message id of a `loyalty://offers/<id>` link (scheme and host in
     * any case, a query or fragment ignored), or null for any other link or
     * a malformed one.
     */
    fun messageId(link: String): String? {
        if (!link.regionMatches(0, PREFIX, 0, PREFIX.length, ignoreCase = true)) return null
        val encoded =
            link
                .substring(PREFIX.length)
                .substringBefore('#')
                .substringBefore('?')
                .removeSuffix("/")
        if (encoded.isEmpty() || '/' in encoded) return null
        return decode(encoded)?.takeIf { it.isNotBlank() }
    }

    /** Strict percent-decoding to UTF-8: null for a stray `%`, a bad hex digit or bytes that are not UTF-8. */
    private fun decode(s: String): String? {
        val bytes = ByteArrayOutputStream()
        var i = 0
        while (i < s.length) {
            if (s[i] == '%') {
                if (i + 2 >= s.length) return null
                val hi = Character.digit(s[i + 1], 16)
                val lo = Character.digit(s[i + 2], 16)
                if (hi < 0 || lo < 0) return null
                bytes.write(hi shl 4 or lo)
                i += 3
            } else {
                // A run of plain characters, encoded whole so surrogate pairs stay together.
                val end = s.indexOf('%', i).let { if (it < 0) s.length else it }
                bytes.write(s.substring(i, end).toByteArray(Charsets.UTF_8))
                i = end
            }
        }
        return try {
            Charsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes.toByteArray()))
                .toString()
        } catch (e: CharacterCodingException) {
            null
        }
    }

    private const val HEX = "0123456789ABCDEF"
}
