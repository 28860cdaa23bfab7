package app.loyalty.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.ElevatedCard
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.BoardCard
import app.loyalty.presentation.BoardRowLine
import app.loyalty.presentation.LeaderboardsState
import app.loyalty.presentation.Texts

/** Test tags of the leaderboards screen. */
object LeaderboardTags {
    /** The button on the challenges screen that opens the leaderboards. */
    const val OPEN = "leaderboards-open"
    const val BACK = "leaderboards-back"
    const val JOIN = "leaderboards-join"
    const val NAME = "leaderboards-name"
    const val SUBMIT = "leaderboards-submit"
    const val CANCEL = "leaderboards-cancel"
    const val LEAVE = "leaderboards-leave"
    const val JOIN_ERROR = "leaderboards-join-error"

    fun board(id: String) = "leaderboard-$id"
}

/**
 * The leaderboards: who I am on them (or the invitation to join), then each
 * board with its period, when the server computed it, how many take part,
 * the listed participants (ties share a rank, my row highlighted), my rank
 * and what passes the rank above.
 *
 * Join opens a name field; [onJoin] gets the name as typed (the core trims
 * and checks it), and a refusal comes back as [LeaderboardsState.joinError],
 * shown under the field. The field closes once the state says I joined.
 * [onCancelJoin] closes it (the model forgets the error). [initialName]
 * opens the screen with the field shown and holding it (previews and
 * screenshots).
 */
@Composable
fun LeaderboardsScreen(
    state: LeaderboardsState,
    texts: Texts,
    onJoin: (name: String) -> Unit,
    onCancelJoin: () -> Unit,
    onLeave: () -> Unit,
    onBack: () -> Unit,
    modifier: Modifier = Modifier,
    initialName: String? = null,
) {
    if (state.loading) {
        LoadingBox(modifier)
        return
    }
    var entry by rememberSaveable { mutableStateOf(initialName != null) }
    var name by rememberSaveable { mutableStateOf(initialName.orEmpty()) }
    // Joined: the field has done its work (it opens afresh after a leave).
    LaunchedEffect(state.canJoin) { if (!state.canJoin) entry = false }
    LazyColumn(
        modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item {
            TextButton(onClick = onBack, modifier = Modifier.testTag(LeaderboardTags.BACK)) { Text("← " + texts.tabChallenges) }
        }
        state.notice?.let { item { NoticeBanner(it) } }
        item {
            Membership(
                state,
                texts,
                entryShown = entry && state.canJoin,
                name = name,
                onName = { name = it },
                onOpen = { entry = true },
                onSubmit = { onJoin(name) },
                onCancel = {
                    entry = false
                    onCancelJoin()
                },
                onLeave = onLeave,
            )
        }
        state.empty?.let { item { MessageBox(it, Modifier.fillMaxWidth()) } }
        items(state.boards, key = { it.id }) { Board(it) }
    }
}

@Composable
private fun Membership(
    state: LeaderboardsState,
    texts: Texts,
    entryShown: Boolean,
    name: String,
    onName: (String) -> Unit,
    onOpen: () -> Unit,
    onSubmit: () -> Unit,
    onCancel: () -> Unit,
    onLeave: () -> Unit,
) {
    ElevatedCard(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            state.membership?.let {
                Text(
                    it,
                    style = MaterialTheme.typography.bodyLarge,
                    color = if (state.pending) MaterialTheme.colorScheme.onSurfaceVariant else MaterialTheme.colorScheme.onSurface,
                )
            }
            when {
                entryShown -> {
                    Text(texts.boardNameTitle, style = MaterialTheme.typography.titleSmall)
                    OutlinedTextField(
                        value = name,
                        onValueChange = onName,
                        label = { Text(texts.boardNameLabel) },
                        singleLine = true,
                        isError = state.joinError != null,
                        modifier = Modifier.fillMaxWidth().testTag(LeaderboardTags.NAME),
                    )
                    state.joinError?.let {
                        Text(
                            it,
                            style = MaterialTheme.typography.bodyMedium,
                            color = MaterialTheme.colorScheme.error,
                            modifier = Modifier.testTag(LeaderboardTags.JOIN_ERROR).semantics { liveRegion = LiveRegionMode.Polite },
                        )
                    }
                    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        Button(onClick = onSubmit, modifier = Modifier.testTag(LeaderboardTags.SUBMIT)) { Text(texts.join) }
                        TextButton(onClick = onCancel, modifier = Modifier.testTag(LeaderboardTags.CANCEL)) { Text(texts.cancel) }
                    }
                }

                state.canJoin -> {
                    Button(onClick = onOpen, modifier = Modifier.testTag(LeaderboardTags.JOIN)) { Text(texts.join) }
                }
            }
            if (state.canLeave) {
                OutlinedButton(onClick = onLeave, modifier = Modifier.testTag(LeaderboardTags.LEAVE)) { Text(texts.boardLeave) }
            }
        }
    }
}

@Composable
private fun Board(b: BoardCard) {
    val colors = MaterialTheme.colorScheme
    ElevatedCard(Modifier.fillMaxWidth().testTag(LeaderboardTags.board(b.id))) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Column(Modifier.semantics(mergeDescendants = true) {}, verticalArrangement = Arrangement.spacedBy(2.dp)) {
                Text(b.title, style = MaterialTheme.typography.titleMedium)
                Text(
                    listOfNotNull(b.period, b.participants).joinToString(" · "),
                    style = MaterialTheme.typography.bodyMedium,
                    color = colors.onSurfaceVariant,
                )
                b.updated?.let { Text(it, style = MaterialTheme.typography.bodySmall, color = colors.onSurfaceVariant) }
            }
            if (b.rows.isNotEmpty()) {
                HorizontalDivider()
                Column(verticalArrangement = Arrangement.spacedBy(2.dp)) { b.rows.forEach { BoardRow(it) } }
            }
            b.empty?.let {
                Text(
                    it,
                    style = MaterialTheme.typography.bodyMedium,
                    color = colors.onSurfaceVariant,
                    textAlign = TextAlign.Center,
                    modifier = Modifier.fillMaxWidth().padding(vertical = 8.dp),
                )
            }
            if (b.me != null || b.toPass != null) {
                Column(Modifier.semantics(mergeDescendants = true) {}, verticalArrangement = Arrangement.spacedBy(2.dp)) {
                    b.me?.let { Text(it, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.SemiBold) }
                    b.toPass?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = colors.tertiary) }
                }
            }
        }
    }
}

/** One participant: rank, name, value; my own row on the primary container colour. */
@Composable
private fun BoardRow(r: BoardRowLine) {
    val colors = MaterialTheme.colorScheme
    Surface(
        shape = RoundedCornerShape(8.dp),
        color = if (r.me) colors.primaryContainer else Color.Transparent,
        contentColor = if (r.me) colors.onPrimaryContainer else colors.onSurface,
        modifier = Modifier.fillMaxWidth(),
    ) {
        Row(
            Modifier.padding(horizontal = 8.dp, vertical = 6.dp).semantics(mergeDescendants = true) {},
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(
                r.rank,
                style = MaterialTheme.typography.titleSmall,
                textAlign = TextAlign.End,
                modifier = Modifier.widthIn(min = 28.dp),
            )
            Text(
                r.name,
                style = MaterialTheme.typography.bodyLarge,
                fontWeight = if (r.me) FontWeight.SemiBold else FontWeight.Normal,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
                modifier = Modifier.weight(1f),
            )
            Text(r.value, style = MaterialTheme.typography.bodyLarge, fontWeight = if (r.me) FontWeight.SemiBold else FontWeight.Normal)
        }
    }
}
