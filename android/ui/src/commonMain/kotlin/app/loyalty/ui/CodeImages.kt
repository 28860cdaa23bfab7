package app.loyalty.ui

import androidx.compose.foundation.Canvas
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.layout.layout
import androidx.compose.ui.unit.Constraints
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.IntSize
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.BarsImage
import app.loyalty.presentation.QrImage

/** The largest QR code drawn, quiet zone included: beyond it a till's scanner gains nothing. */
val QrMaxSize: Dp = 360.dp

/** The widest linear barcode drawn, quiet zones included. */
val BarsMaxWidth: Dp = 480.dp

/** The height of the linear barcode's bars. */
val BarsHeight: Dp = 112.dp

/**
 * Sizes the node in whole device pixels chosen by [sizeFor] from the width
 * available (capped at [cap]); the node's position is a whole pixel too, as
 * every Compose layout places at integer offsets. Nothing here depends on the
 * font scale, so larger text never shrinks the code.
 */
private fun Modifier.wholePixels(
    cap: Dp,
    sizeFor: Density.(maxPx: Int) -> IntSize,
): Modifier =
    layout { measurable, constraints ->
        val capPx = cap.roundToPx()
        val maxPx = if (constraints.hasBoundedWidth) minOf(constraints.maxWidth, capPx) else capPx
        val size = sizeFor(maxPx)
        val placeable = measurable.measure(Constraints.fixed(size.width, size.height))
        layout(size.width, size.height) { placeable.place(0, 0) }
    }

/**
 * The QR code from its module matrix: every module a square of the same
 * whole number of pixels ([QrImage.pixelsPerModule] of the width available),
 * drawn as rectangles, so nothing is smoothed or scaled by a fraction;
 * black on white with the quiet zone of [QrImage.quietZone] modules on every
 * side, whatever the theme.
 */
@Composable
fun QrCode(
    qr: QrImage,
    contentDescription: String,
    modifier: Modifier = Modifier,
    maxSize: Dp = QrMaxSize,
) {
    Canvas(
        modifier.wholePixels(maxSize) { maxPx ->
            val side = qr.pixelsPerModule(maxPx).coerceAtLeast(1) * qr.fullSide
            IntSize(side, side)
        },
        contentDescription = contentDescription,
    ) {
        val ppm = size.width.toInt() / qr.fullSide
        val quiet = qr.quietZone * ppm
        drawRect(CodeColors.Paper)
        for (y in 0 until qr.side) {
            var x = 0
            while (x < qr.side) {
                if (!qr.isDark(x, y)) {
                    x++
                    continue
                }
                val start = x
                while (x < qr.side && qr.isDark(x, y)) x++
                // One rectangle per run of dark modules in a row, on whole pixels.
                drawRect(
                    CodeColors.Ink,
                    topLeft = Offset((quiet + start * ppm).toFloat(), (quiet + y * ppm).toFloat()),
                    size = Size(((x - start) * ppm).toFloat(), ppm.toFloat()),
                )
            }
        }
    }
}

/** Modules across the linear barcode, quiet zones included. */
fun BarsImage.fullWidth(): Int = widths.sum() + 2 * quietZone

/**
 * The linear barcode: bar and space widths in modules (bar first), each
 * module the same whole number of pixels, black on white, with its quiet
 * zone left and right.
 */
@Composable
fun LinearCode(
    bars: BarsImage,
    contentDescription: String,
    modifier: Modifier = Modifier,
    maxWidth: Dp = BarsMaxWidth,
    height: Dp = BarsHeight,
) {
    val modules = bars.fullWidth()
    Canvas(
        modifier.wholePixels(maxWidth) { maxPx ->
            IntSize((maxPx / modules).coerceAtLeast(1) * modules, height.roundToPx())
        },
        contentDescription = contentDescription,
    ) {
        val ppm = size.width.toInt() / modules
        drawRect(CodeColors.Paper)
        var x = bars.quietZone * ppm
        bars.widths.forEachIndexed { i, w ->
            if (i % 2 == 0) {
                drawRect(CodeColors.Ink, topLeft = Offset(x.toFloat(), 0f), size = Size((w * ppm).toFloat(), size.height))
            }
            x += w * ppm
        }
    }
}
