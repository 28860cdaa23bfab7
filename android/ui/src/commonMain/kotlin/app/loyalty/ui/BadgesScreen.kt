package app.loyalty.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.grid.GridCells
import androidx.compose.foundation.lazy.grid.GridItemSpan
import androidx.compose.foundation.lazy.grid.LazyVerticalGrid
import androidx.compose.foundation.lazy.grid.items
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.BadgeTile
import app.loyalty.presentation.BadgesState

/** The badges: a grid of tiles with the level reached and the progress to the next. */
@Composable
fun BadgesScreen(
    state: BadgesState,
    modifier: Modifier = Modifier,
) {
    when {
        state.loading -> {
            LoadingBox(modifier)
        }

        state.badges.isEmpty() && state.notice == null -> {
            MessageBox(state.empty.orEmpty(), modifier)
        }

        else -> {
            LazyVerticalGrid(
                columns = GridCells.Adaptive(minSize = 150.dp),
                modifier = modifier.fillMaxSize(),
                contentPadding = PaddingValues(16.dp),
                horizontalArrangement = Arrangement.spacedBy(12.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                state.notice?.let { item(span = { GridItemSpan(maxLineSpan) }) { NoticeBanner(it) } }
                items(state.badges, key = { it.id }) { BadgeCard(it) }
            }
        }
    }
}

@Composable
private fun BadgeCard(badge: BadgeTile) {
    val colors = MaterialTheme.colorScheme
    Card(
        colors =
            CardDefaults.cardColors(
                containerColor = if (badge.earned) colors.tertiaryContainer else colors.surfaceContainerHigh,
                contentColor = if (badge.earned) colors.onTertiaryContainer else colors.onSurfaceVariant,
            ),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(
            Modifier.padding(12.dp).fillMaxWidth().semantics(mergeDescendants = true) {},
            horizontalAlignment = Alignment.CenterHorizontally,
            verticalArrangement = Arrangement.spacedBy(6.dp),
        ) {
            Medal(earned = badge.earned, fill = if (badge.earned) colors.tertiary else colors.outline)
            Text(badge.title, style = MaterialTheme.typography.titleSmall, textAlign = TextAlign.Center)
            Text(badge.level, style = MaterialTheme.typography.labelMedium, textAlign = TextAlign.Center)
            LinearProgressIndicator(progress = { badge.progress }, modifier = Modifier.fillMaxWidth())
            badge.next?.let { Text(it, style = MaterialTheme.typography.bodySmall, textAlign = TextAlign.Center) }
            badge.earnedOn?.let { Text(it, style = MaterialTheme.typography.bodySmall, textAlign = TextAlign.Center) }
        }
    }
}

/** A decorative medal: filled when earned, outlined when not. */
@Composable
private fun Medal(
    earned: Boolean,
    fill: Color,
) {
    Canvas(Modifier.size(48.dp)) {
        val w = size.width
        val ribbon =
            Path().apply {
                moveTo(w * 0.30f, 0f)
                lineTo(w * 0.45f, w * 0.45f)
                lineTo(w * 0.55f, w * 0.45f)
                lineTo(w * 0.70f, 0f)
                close()
            }
        drawPath(ribbon, fill.copy(alpha = 0.6f))
        val center = Offset(w / 2, w * 0.62f)
        val radius = w * 0.34f
        if (earned) {
            drawCircle(fill, radius, center)
            drawCircle(Color.White.copy(alpha = 0.45f), radius * 0.55f, center, style = Stroke(width = w * 0.05f))
        } else {
            drawCircle(fill, radius, center, style = Stroke(width = w * 0.06f))
        }
    }
}
