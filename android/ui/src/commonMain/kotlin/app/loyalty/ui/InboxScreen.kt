package app.loyalty.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.SwipeToDismissBox
import androidx.compose.material3.Text
import androidx.compose.material3.rememberSwipeToDismissBoxState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.CustomAccessibilityAction
import androidx.compose.ui.semantics.customActions
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.loyalty.presentation.InboxState
import app.loyalty.presentation.MessageLine
import app.loyalty.presentation.Texts

/** Test tags of the inbox screen. */
object InboxTags {
    fun message(id: String) = "inbox-message-$id"

    fun activate(id: String) = "inbox-activate-$id"
}

/**
 * The inbox: the unread count, pinned messages first (the core's order),
 * a tap opens a message (marks it read, shows it whole), a swipe dismisses
 * it (also offered to screen readers as an action), offers can be activated.
 * [focusId] (a message opened from a notification or a link) is scrolled
 * to and shown whole.
 */
@Composable
fun InboxScreen(
    state: InboxState,
    texts: Texts,
    onOpen: (id: String) -> Unit,
    onDismiss: (id: String) -> Unit,
    onActivate: (id: String) -> Unit,
    modifier: Modifier = Modifier,
    focusId: String? = null,
) {
    val listState = rememberLazyListState()
    val focusIndex = state.messages.indexOfFirst { it.id == focusId }
    LaunchedEffect(focusId, focusIndex) {
        // Items above the messages: the notice and the unread line.
        val above = (if (state.notice != null) 1 else 0) + (if (state.unreadText != null) 1 else 0)
        if (focusIndex >= 0) listState.animateScrollToItem(above + focusIndex)
    }
    when {
        state.loading -> {
            LoadingBox(modifier)
        }

        state.messages.isEmpty() && state.notice == null -> {
            MessageBox(state.empty.orEmpty(), modifier)
        }

        else -> {
            LazyColumn(
                modifier.fillMaxSize(),
                state = listState,
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                state.notice?.let { item { NoticeBanner(it) } }
                state.unreadText?.let {
                    item { Text(it, style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.primary) }
                }
                items(state.messages, key = { it.id }) { m ->
                    DismissibleMessage(m, texts, m.id == focusId, onOpen, onDismiss, onActivate)
                }
            }
        }
    }
}

@Composable
private fun DismissibleMessage(
    m: MessageLine,
    texts: Texts,
    focused: Boolean,
    onOpen: (String) -> Unit,
    onDismiss: (String) -> Unit,
    onActivate: (String) -> Unit,
) {
    val dismissState = rememberSwipeToDismissBoxState()
    SwipeToDismissBox(
        state = dismissState,
        backgroundContent = {
            Surface(
                color = MaterialTheme.colorScheme.errorContainer,
                contentColor = MaterialTheme.colorScheme.onErrorContainer,
                shape = RoundedCornerShape(12.dp),
                modifier = Modifier.fillMaxSize(),
            ) {
                Box(Modifier.padding(horizontal = 24.dp), contentAlignment = Alignment.CenterEnd) {
                    Text(texts.dismiss, style = MaterialTheme.typography.labelLarge)
                }
            }
        },
        enableDismissFromStartToEnd = false,
        onDismiss = { onDismiss(m.id) },
    ) {
        MessageCard(m, texts, focused, onOpen, onDismiss, onActivate)
    }
}

@Composable
private fun MessageCard(
    m: MessageLine,
    texts: Texts,
    focused: Boolean,
    onOpen: (String) -> Unit,
    onDismiss: (String) -> Unit,
    onActivate: (String) -> Unit,
) {
    var expanded by rememberSaveable(m.id, focused) { mutableStateOf(focused) }
    val colors = MaterialTheme.colorScheme
    Card(
        onClick = {
            expanded = !expanded
            if (m.unread) onOpen(m.id)
        },
        colors =
            CardDefaults.cardColors(
                containerColor = if (m.unread) colors.surfaceContainerHigh else colors.surfaceContainer,
            ),
        modifier =
            Modifier
                .fillMaxWidth()
                .testTag(InboxTags.message(m.id))
                .semantics {
                    customActions = listOf(CustomAccessibilityAction(texts.dismiss) { onDismiss(m.id).let { true } })
                },
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                if (m.unread) UnreadDot()
                Text(
                    m.title,
                    style = MaterialTheme.typography.titleMedium,
                    fontWeight = if (m.unread) FontWeight.Bold else FontWeight.Normal,
                    modifier = Modifier.weight(1f),
                )
                if (m.pinned) PinnedLabel(texts.pinned)
            }
            Text(
                m.body,
                style = MaterialTheme.typography.bodyMedium,
                maxLines = if (expanded) Int.MAX_VALUE else 3,
                overflow = TextOverflow.Ellipsis,
            )
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                Text(m.date, style = MaterialTheme.typography.bodySmall, color = colors.onSurfaceVariant)
                m.expires?.let { Text(it, style = MaterialTheme.typography.bodySmall, color = colors.onSurfaceVariant) }
            }
            m.activated?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = colors.primary) }
            if (m.canActivate) {
                FilledTonalButton(onClick = { onActivate(m.id) }, modifier = Modifier.testTag(InboxTags.activate(m.id))) {
                    Text(texts.activate)
                }
            }
        }
    }
}

@Composable
private fun UnreadDot() {
    val color = MaterialTheme.colorScheme.primary
    Canvas(Modifier.size(10.dp)) { drawCircle(color) }
}

@Composable
private fun PinnedLabel(text: String) {
    Surface(
        shape = RoundedCornerShape(8.dp),
        color = MaterialTheme.colorScheme.tertiaryContainer,
        contentColor = MaterialTheme.colorScheme.onTertiaryContainer,
    ) {
        Text(text, style = MaterialTheme.typography.labelMedium, modifier = Modifier.padding(horizontal = 8.dp, vertical = 2.dp))
    }
}
