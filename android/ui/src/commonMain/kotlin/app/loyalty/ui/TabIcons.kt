package app.loyalty.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.size
import androidx.compose.material3.LocalContentColor
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.CornerRadius
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.StrokeJoin
import androidx.compose.ui.graphics.drawscope.DrawScope
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.unit.dp
import kotlin.math.PI
import kotlin.math.cos
import kotlin.math.sin

/**
 * The navigation bar's icons, drawn on a 24 dp canvas in the content colour
 * (no icon font or image resources, so the same code draws on Android and
 * on the desktop). Decorative: the tab's label is what screen readers say.
 */
@Composable
fun TabIcon(
    tab: Tab,
    modifier: Modifier = Modifier,
) {
    val color = LocalContentColor.current
    Canvas(modifier.size(24.dp)) {
        val u = size.width / 24f
        val stroke = Stroke(width = 2f * u, cap = StrokeCap.Round, join = StrokeJoin.Round)
        when (tab) {
            Tab.CARD -> {
                drawRoundRect(color, Offset(2 * u, 5 * u), Size(20 * u, 14 * u), CornerRadius(2.5f * u), style = stroke)
                drawRect(color, Offset(5 * u, 9 * u), Size(3 * u, 3 * u))
                drawRect(color, Offset(9 * u, 9 * u), Size(2 * u, 6 * u))
                drawRect(color, Offset(12 * u, 9 * u), Size(1.5f * u, 6 * u))
                drawRect(color, Offset(15 * u, 9 * u), Size(3 * u, 6 * u))
            }

            Tab.WALLET -> {
                drawCircle(color, 9 * u, Offset(12 * u, 12 * u), style = stroke)
                drawStar(color, Offset(12 * u, 12.5f * u), 5 * u)
            }

            Tab.CHALLENGES -> {
                drawLine(color, Offset(5 * u, 3 * u), Offset(5 * u, 21 * u), 2f * u, StrokeCap.Round)
                val flag =
                    Path().apply {
                        moveTo(5 * u, 4 * u)
                        lineTo(19 * u, 4 * u)
                        lineTo(15.5f * u, 8.5f * u)
                        lineTo(19 * u, 13 * u)
                        lineTo(5 * u, 13 * u)
                        close()
                    }
                drawPath(flag, color, style = stroke)
            }

            Tab.BADGES -> {
                drawCircle(color, 6 * u, Offset(12 * u, 9 * u), style = stroke)
                val ribbon =
                    Path().apply {
                        moveTo(8.5f * u, 14 * u)
                        lineTo(7 * u, 21.5f * u)
                        lineTo(12 * u, 19 * u)
                        lineTo(17 * u, 21.5f * u)
                        lineTo(15.5f * u, 14 * u)
                    }
                drawPath(ribbon, color, style = stroke)
            }

            Tab.INBOX -> {
                drawRoundRect(color, Offset(2.5f * u, 5 * u), Size(19 * u, 14 * u), CornerRadius(2 * u), style = stroke)
                val flap =
                    Path().apply {
                        moveTo(3.5f * u, 6.5f * u)
                        lineTo(12 * u, 13 * u)
                        lineTo(20.5f * u, 6.5f * u)
                    }
                drawPath(flap, color, style = stroke)
            }
        }
    }
}

private fun DrawScope.drawStar(
    color: Color,
    center: Offset,
    radius: Float,
) {
    val path = Path()
    for (i in 0 until 10) {
        val r = if (i % 2 == 0) radius else radius * 0.45f
        val angle = (i * 36f - 90f) * PI.toFloat() / 180f
        val p = Offset(center.x + r * cos(angle), center.y + r * sin(angle))
        if (i == 0) path.moveTo(p.x, p.y) else path.lineTo(p.x, p.y)
    }
    path.close()
    drawPath(path, color)
}
