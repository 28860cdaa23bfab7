package app.loyalty.ui.render

import app.loyalty.presentation.BarsImage
import app.loyalty.presentation.QrImage
import app.loyalty.ui.fullWidth
import java.awt.image.BufferedImage
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO

/** Counts and prints the checks; the render run fails when any failed. */
class Checks {
    var passed = 0
        private set
    var failed = 0
        private set

    fun check(
        ok: Boolean,
        what: String,
    ): Boolean {
        println((if (ok) "ok   " else "FAIL ") + what)
        if (ok) passed++ else failed++
        return ok
    }
}

private const val BLACK = 0x000000
private const val WHITE = 0xFFFFFF

private fun BufferedImage.rgb(
    x: Int,
    y: Int,
): Int = getRGB(x, y) and 0xFFFFFF

/** The bounding box of the pure black pixels: the code is the only pure black on screen. */
private data class Box(
    val left: Int,
    val top: Int,
    val right: Int,
    val bottom: Int,
) {
    val width get() = right - left + 1
    val height get() = bottom - top + 1
}

private fun BufferedImage.blackBox(): Box? {
    var minX = Int.MAX_VALUE
    var minY = Int.MAX_VALUE
    var maxX = -1
    var maxY = -1
    for (y in 0 until height) {
        for (x in 0 until width) {
            if (rgb(x, y) == BLACK) {
                if (x < minX) minX = x
                if (y < minY) minY = y
                if (x > maxX) maxX = x
                if (y > maxY) maxY = y
            }
        }
    }
    return if (maxX < 0) null else Box(minX, minY, maxX, maxY)
}

/** Counts the pixels in `xs` × `ys` (clipped to nothing outside the image: those count as wrong) that are not `want`. */
private fun BufferedImage.countNot(
    want: Int,
    xs: IntRange,
    ys: IntRange,
    skip: (Int, Int) -> Boolean = { _, _ -> false },
): Int {
    var bad = 0
    for (y in ys) {
        for (x in xs) {
            if (skip(x, y)) continue
            if (x !in 0 until width || y !in 0 until height || rgb(x, y) != want) bad++
        }
    }
    return bad
}

/**
 * The QR code on the rendered pixels: the pure black area is exactly
 * `side × ppm` square with a whole `ppm` ≥ 2, every module is `ppm × ppm`
 * pixels of pure black or pure white equal to the module matrix, and the
 * quiet zone (at least 4 modules × ppm, inside the image) is pure white.
 * Returns the pixels per module, or 0 when the code was not found.
 */
fun checkQrPixels(
    checks: Checks,
    file: File,
    qr: QrImage,
): Int {
    val img = ImageIO.read(file)
    val box = img.blackBox()
    if (!checks.check(box != null, "${file.name}: the code is on screen")) return 0
    box!!
    val ppm = box.width / qr.side
    checks.check(
        box.width == box.height && box.width == ppm * qr.side && ppm >= 2,
        "${file.name}: the code is ${box.width}×${box.height} px = ${qr.side} modules × $ppm px (whole, ≥ 2 px per module)",
    )
    var wrong = 0
    for (my in 0 until qr.side) {
        for (mx in 0 until qr.side) {
            val want = if (qr.isDark(mx, my)) BLACK else WHITE
            wrong +=
                img.countNot(want, box.left + mx * ppm until box.left + (mx + 1) * ppm, box.top + my * ppm until box.top + (my + 1) * ppm)
        }
    }
    checks.check(wrong == 0, "${file.name}: every module is $ppm×$ppm px of pure black or white and matches the matrix ($wrong px differ)")
    val quiet = qr.quietZone * ppm
    checks.check(qr.quietZone >= 4, "${file.name}: the quiet zone is ${qr.quietZone} modules (≥ 4)")
    val notWhite =
        img.countNot(WHITE, box.left - quiet..box.right + quiet, box.top - quiet..box.bottom + quiet) { x, y ->
            x in box.left..box.right && y in box.top..box.bottom
        }
    checks.check(
        notWhite == 0,
        "${file.name}: a pure white quiet zone of ${qr.quietZone} × $ppm = $quiet px on every side, inside the image ($notWhite px not)",
    )
    return ppm
}

/**
 * The linear barcode on the rendered pixels: bars and spaces of exactly
 * `width × ppm` pixels over the full bar height, pure black and white, with
 * its quiet zone of pure white left and right.
 */
fun checkBarsPixels(
    checks: Checks,
    file: File,
    bars: BarsImage,
): Int {
    val img = ImageIO.read(file)
    val box = img.blackBox()
    if (!checks.check(box != null, "${file.name}: the barcode is on screen")) return 0
    box!!
    val modules = bars.widths.sum()
    val ppm = box.width / modules
    checks.check(box.width == ppm * modules && ppm >= 1, "${file.name}: the bars span ${box.width} px = $modules modules × $ppm px")
    var x = box.left
    var wrong = 0
    bars.widths.forEachIndexed { i, w ->
        wrong += img.countNot(if (i % 2 == 0) BLACK else WHITE, x until x + w * ppm, box.top..box.bottom)
        x += w * ppm
    }
    checks.check(
        wrong == 0,
        "${file.name}: every bar and space is its width × $ppm px, pure black or white, full height ($wrong px differ)",
    )
    val quiet = bars.quietZone * ppm
    val notWhite =
        img.countNot(WHITE, box.left - quiet until box.left, box.top..box.bottom) +
            img.countNot(WHITE, box.right + 1..box.right + quiet, box.top..box.bottom)
    checks.check(notWhite == 0, "${file.name}: a pure white quiet zone of ${bars.quietZone} × $ppm px left and right ($notWhite px not)")
    return ppm
}

/** What `zbarimg --raw -q` reads in the image: one line per symbol found. */
fun zbar(
    zbarimg: String,
    file: File,
): List<String> {
    val p = ProcessBuilder(zbarimg, "--raw", "-q", file.path).redirectErrorStream(false).start()
    val out = p.inputStream.readBytes().toString(Charsets.UTF_8)
    p.waitFor(30, TimeUnit.SECONDS)
    return out.split('\n').filter { it.isNotEmpty() }
}

/** The dev server's till. */
class Till(
    private val server: String,
) {
    private val http = HttpClient.newHttpClient()

    /** Presents a scanned payload with a one-line purchase; the HTTP status and body. */
    fun purchase(
        payload: String,
        receipt: String,
    ): Pair<Int, String> {
        val body =
            """{"payload": ${json(
                payload,
            )}, "purchase": {"receipt_id": "$receipt", "lines": [{"sku": "A", "qty": 1, "amount": "100.00"}]}}"""
        val request =
            HttpRequest
                .newBuilder(URI.create("$server/v1/pos/purchases"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    private fun json(s: String): String =
        buildString {
            append('"')
            for (c in s) {
                when {
                    c == '"' -> append("\\\"")
                    c == '\\' -> append("\\\\")
                    c < ' ' -> append("\\u%04x".format(c.code))
                    else -> append(c)
                }
            }
            append('"')
        }
}
