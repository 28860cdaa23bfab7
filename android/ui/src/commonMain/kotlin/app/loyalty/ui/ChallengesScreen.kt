package app.loyalty.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.ElevatedCard
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.ChallengeLine
import app.loyalty.presentation.ChallengesState
import app.loyalty.presentation.Texts

/** Test tags of the challenges screen. */
object ChallengeTags {
    fun join(id: String) = "challenge-join-$id"
}

/**
 * The challenges: status, progress, time left, reward, and Join for the
 * opt-in ones; with [onLeaderboards], a button above them opens the
 * leaderboards.
 */
@Composable
fun ChallengesScreen(
    state: ChallengesState,
    texts: Texts,
    onJoin: (id: String) -> Unit,
    modifier: Modifier = Modifier,
    onLeaderboards: (() -> Unit)? = null,
) {
    when {
        state.loading -> {
            LoadingBox(modifier)
        }

        state.challenges.isEmpty() && state.notice == null -> {
            Column(modifier.fillMaxSize()) {
                onLeaderboards?.let { LeaderboardsButton(texts, it, Modifier.padding(16.dp)) }
                MessageBox(state.empty.orEmpty())
            }
        }

        else -> {
            LazyColumn(
                modifier.fillMaxSize(),
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                onLeaderboards?.let { open -> item { LeaderboardsButton(texts, open) } }
                state.notice?.let { item { NoticeBanner(it) } }
                items(state.challenges, key = { it.id }) { ChallengeCard(it, texts, onJoin) }
            }
        }
    }
}

@Composable
private fun LeaderboardsButton(
    texts: Texts,
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
) {
    OutlinedButton(onClick = onClick, modifier = modifier.fillMaxWidth().testTag(LeaderboardTags.OPEN)) { Text(texts.leaderboards) }
}

@Composable
private fun ChallengeCard(
    c: ChallengeLine,
    texts: Texts,
    onJoin: (String) -> Unit,
) {
    ElevatedCard(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Column(Modifier.semantics(mergeDescendants = true) {}, verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(c.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f))
                    StatusLabel(c.status, done = c.done, open = c.canJoin)
                }
                LinearProgressIndicator(progress = { c.progress }, modifier = Modifier.fillMaxWidth())
                Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    Text(c.progressText, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.weight(1f))
                    c.timeLeft?.let {
                        Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    }
                }
                c.reward?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.tertiary) }
                c.completions?.let {
                    Text(it, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
            }
            if (c.canJoin) {
                Button(onClick = { onJoin(c.id) }, modifier = Modifier.testTag(ChallengeTags.join(c.id))) { Text(texts.join) }
            }
        }
    }
}

@Composable
private fun StatusLabel(
    text: String,
    done: Boolean,
    open: Boolean,
) {
    val colors = MaterialTheme.colorScheme
    Surface(
        shape = RoundedCornerShape(8.dp),
        color =
            when {
                done -> colors.primaryContainer
                open -> colors.tertiaryContainer
                else -> colors.secondaryContainer
            },
        contentColor =
            when {
                done -> colors.onPrimaryContainer
                open -> colors.onTertiaryContainer
                else -> colors.onSecondaryContainer
            },
    ) {
        Text(text, style = MaterialTheme.typography.labelMedium, modifier = Modifier.padding(horizontal = 8.dp, vertical = 4.dp))
    }
}
