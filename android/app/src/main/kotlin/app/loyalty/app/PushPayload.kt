package app.loyalty.app

/**
 * An FCM data message as the core's push parser takes it: the data map as
 * one JSON object of strings (`{"kind":"offer","message_id":"o-1",…}`), the
 * same shape as `POST /v1/admin/offers` sends and `loyalty push` reads. FCM
 * delivers every value as a string; the core reads numbers and booleans
 * from strings. Plain Kotlin: tested on the desktop.
 */
object PushPayload {
    /** `data` as a JSON object, keys in the map's order. */
    fun json(data: Map<String, String>): String {
        val out = StringBuilder("{")
        for ((key, value) in data) {
            if (out.length > 1) out.append(',')
            string(out, key)
            out.append(':')
            string(out, value)
        }
        return out.append('}').toString()
    }

    /** A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped. */
    private fun string(
        out: StringBuilder,
        s: String,
    ) {
        out.append('"')
        for (c in s) {
            when {
                c == '"' -> out.append("\\\"")
                c == '\\' -> out.append("\\\\")
                c == '\n' -> out.append("\\n")
                c == '\r' -> out.append("\\r")
                c == '\t' -> out.append("\\t")
                c < ' ' -> out.append("\\u").append(c.code.toString(16).padStart(4, '0'))
                else -> out.append(c)
            }
        }
        out.append('"')
    }
}
