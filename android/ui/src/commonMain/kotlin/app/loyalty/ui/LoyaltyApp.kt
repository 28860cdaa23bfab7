package app.loyalty.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Badge
import androidx.compose.material3.BadgedBox
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import app.loyalty.presentation.BadgesScreenModel
import app.loyalty.presentation.CardScreenModel
import app.loyalty.presentation.ChallengesScreenModel
import app.loyalty.presentation.Env
import app.loyalty.presentation.InboxScreenModel
import app.loyalty.presentation.LeaderboardsScreenModel
import app.loyalty.presentation.OnboardingModel
import app.loyalty.presentation.Root
import app.loyalty.presentation.SyncCoordinator
import app.loyalty.presentation.Texts
import app.loyalty.presentation.WalletScreenModel
import app.loyalty.presentation.WindowState
import kotlinx.coroutines.launch

/** The member's tabs, in the navigation bar's order. */
enum class Tab { CARD, WALLET, CHALLENGES, BADGES, INBOX }

/** The tab's name in the navigation bar. */
fun Tab.label(texts: Texts): String =
    when (this) {
        Tab.CARD -> texts.tabCard
        Tab.WALLET -> texts.tabWallet
        Tab.CHALLENGES -> texts.tabChallenges
        Tab.BADGES -> texts.tabBadges
        Tab.INBOX -> texts.tabInbox
    }

/** The tab's title in the top bar. */
fun Tab.title(texts: Texts): String = if (this == Tab.CARD) texts.cardTitle else label(texts)

/** Test tags of the app's frame. */
object AppTags {
    const val SETTINGS = "open-settings"

    fun tab(tab: Tab) = "tab-" + tab.name.lowercase()
}

/**
 * Every screen-state holder the app draws, made once per process (or per
 * client) by the app glue. `AppModels(env)` builds them all around one
 * [SyncCoordinator] (`afterSignOut`: what the glue deletes once a sign-out
 * succeeded, see [OnboardingModel]); the primary constructor takes them
 * ready-made.
 */
class AppModels(
    val texts: Texts,
    val sync: SyncCoordinator,
    val onboarding: OnboardingModel,
    val card: CardScreenModel,
    val wallet: WalletScreenModel,
    val challenges: ChallengesScreenModel,
    val badges: BadgesScreenModel,
    val inbox: InboxScreenModel,
    val leaderboards: LeaderboardsScreenModel,
) {
    constructor(
        env: Env,
        sync: SyncCoordinator = SyncCoordinator(env),
        afterSignOut: suspend () -> Unit = {},
    ) : this(
        texts = env.texts,
        sync = sync,
        onboarding = OnboardingModel(env, afterSignOut),
        card = CardScreenModel(env, sync),
        wallet = WalletScreenModel(env, sync),
        challenges = ChallengesScreenModel(env),
        badges = BadgesScreenModel(env),
        inbox = InboxScreenModel(env),
        leaderboards = LeaderboardsScreenModel(env, sync),
    )
}

/**
 * The whole app: onboarding until a card is on the phone, then the member's
 * tabs (card, wallet, challenges, badges, inbox) under a navigation bar; the
 * leaderboards open from the challenges tab, in its place.
 *
 * - [onWindow] receives what the window must do while the card is in front
 *   (full brightness, screen kept on, secure window) and the plain state
 *   once it is not; the Android glue applies it to its Activity window.
 * - [visible]: false while the app is in the background (the glue passes
 *   its lifecycle's STARTED state); the screens then stop reading the
 *   client, the card stops ticking and [onWindow] gets the plain state.
 * - [dark]: the colour theme; the card's code area stays white in both.
 * - [openMessage]: a message id from a notification or a `loyalty://offers/…`
 *   link; when it changes to an id, the inbox opens on that message (marked
 *   read, scrolled to, shown whole). The glue passes null otherwise.
 *
 * Screen models are started here (collected while shown); syncs are the
 * glue's to schedule ([AppModels.sync]), besides pull to refresh.
 */
@Composable
fun LoyaltyApp(
    models: AppModels,
    onWindow: (WindowState) -> Unit,
    modifier: Modifier = Modifier,
    dark: Boolean = isSystemInDarkTheme(),
    visible: Boolean = true,
    openMessage: String? = null,
) {
    val window by rememberUpdatedState(onWindow)
    LaunchedEffect(models) { models.card.window.collect { window(it) } }
    LoyaltyTheme(dark) {
        Surface(modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
            val root by models.onboarding.root.collectAsState()
            var decided by remember(models) { mutableStateOf(false) }
            LaunchedEffect(models) {
                models.onboarding.load()
                decided = true
            }
            // Nothing but the background until the first screen is decided (a card on the phone or not).
            if (decided && root == Root.ONBOARDING) {
                val state by models.onboarding.state.collectAsState()
                val scope = rememberCoroutineScope()
                OnboardingScreen(
                    state,
                    onEnroll = { scope.launch { models.onboarding.enroll() } },
                    onDemo = { scope.launch { models.onboarding.startDemo() } },
                )
            } else if (decided) {
                MemberApp(models, visible, openMessage)
            }
        }
    }
}

@Composable
private fun MemberApp(
    models: AppModels,
    visible: Boolean,
    openMessage: String?,
) {
    var tab by rememberSaveable { mutableStateOf(Tab.CARD) }
    var settings by rememberSaveable { mutableStateOf(false) }
    var leaderboards by rememberSaveable { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    LaunchedEffect(openMessage) {
        if (openMessage != null) {
            tab = Tab.INBOX
            models.inbox.open(openMessage)
        }
    }
    if (visible) {
        LaunchedEffect(models) {
            models.wallet.start(this)
            models.challenges.start(this)
            models.badges.start(this)
            models.inbox.start(this)
            models.leaderboards.start(this)
        }
    }
    // The card ticks (once a second, aligned to its rotation) only while it is in front.
    val cardInFront = visible && tab == Tab.CARD && !settings
    if (cardInFront) LaunchedEffect(models) { models.card.start(this) }
    DisposableEffect(models, cardInFront) {
        models.card.onVisible(cardInFront)
        onDispose { models.card.onVisible(false) }
    }
    val texts = models.texts
    val inbox by models.inbox.state.collectAsState()
    val boardsShown = leaderboards && tab == Tab.CHALLENGES && !settings
    MemberScaffold(
        texts,
        tab,
        {
            tab = it
            settings = false
            leaderboards = false
        },
        inbox.unreadCount,
        inbox.unreadText,
        onSettings = { settings = true },
        title = texts.leaderboards.takeIf { boardsShown },
    ) { padding ->
        val m = Modifier.padding(padding)
        if (settings) {
            val state by models.onboarding.state.collectAsState()
            SettingsScreen(
                state,
                texts,
                onSignOut = { scope.launch { models.onboarding.signOut() } },
                onBack = { settings = false },
                modifier = m,
            )
        } else if (boardsShown) {
            val state by models.leaderboards.state.collectAsState()
            LeaderboardsScreen(
                state,
                texts,
                onJoin = { name -> scope.launch { models.leaderboards.join(name) } },
                onCancelJoin = { models.leaderboards.clearJoinError() },
                onLeave = { scope.launch { models.leaderboards.leave() } },
                onBack = { leaderboards = false },
                modifier = m,
            )
        } else {
            MemberTab(models, tab, inbox, openMessage, m, onLeaderboards = { leaderboards = true })
        }
    }
}

@Composable
private fun MemberTab(
    models: AppModels,
    tab: Tab,
    inbox: app.loyalty.presentation.InboxState,
    openMessage: String?,
    m: Modifier,
    onLeaderboards: () -> Unit,
) {
    val texts = models.texts
    val scope = rememberCoroutineScope()
    when (tab) {
        Tab.CARD -> {
            val state by models.card.state.collectAsState()
            CardScreen(state, texts, onSwitchCode = { scope.launch { models.card.toggleCode() } }, modifier = m)
        }

        Tab.WALLET -> {
            val state by models.wallet.state.collectAsState()
            WalletScreen(
                state,
                texts,
                onRefresh = { scope.launch { models.wallet.refresh() } },
                onLoadMore = { scope.launch { models.wallet.loadMore() } },
                modifier = m,
            )
        }

        Tab.CHALLENGES -> {
            val state by models.challenges.state.collectAsState()
            ChallengesScreen(
                state,
                texts,
                onJoin = { id -> scope.launch { models.challenges.join(id) } },
                modifier = m,
                onLeaderboards = onLeaderboards,
            )
        }

        Tab.BADGES -> {
            val state by models.badges.state.collectAsState()
            BadgesScreen(state, modifier = m)
        }

        Tab.INBOX -> {
            InboxScreen(
                inbox,
                texts,
                onOpen = { id -> scope.launch { models.inbox.open(id) } },
                onDismiss = { id -> scope.launch { models.inbox.dismiss(id) } },
                onActivate = { id -> scope.launch { models.inbox.activate(id) } },
                modifier = m,
                focusId = openMessage,
            )
        }
    }
}

/**
 * The member's frame: the top bar with the tab's title (or [title], for a
 * screen opened from a tab, such as the leaderboards), the navigation bar
 * (the inbox tab badged with the unread count) and the tab's content, which
 * gets the padding the bars leave. Stateless: [LoyaltyApp] feeds it, and the
 * desktop renders use it as it is.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun MemberScaffold(
    texts: Texts,
    tab: Tab,
    onTab: (Tab) -> Unit,
    unreadCount: Long,
    unreadText: String?,
    modifier: Modifier = Modifier,
    onSettings: (() -> Unit)? = null,
    title: String? = null,
    content: @Composable (PaddingValues) -> Unit,
) {
    Scaffold(
        modifier = modifier.fillMaxSize(),
        topBar = {
            TopAppBar(
                title = { Text(title ?: tab.title(texts), maxLines = 1, overflow = TextOverflow.Ellipsis) },
                actions = {
                    onSettings?.let { open ->
                        TextButton(onClick = open, modifier = Modifier.testTag(AppTags.SETTINGS)) { Text(texts.settings) }
                    }
                },
            )
        },
        bottomBar = {
            // At large font scales five labels no longer fit: only the selected tab keeps its label on screen
            // (every label stays in the semantics for screen readers).
            val allLabels = LocalDensity.current.fontScale < 1.5f
            NavigationBar {
                Tab.entries.forEach { t ->
                    NavigationBarItem(
                        selected = t == tab,
                        onClick = { onTab(t) },
                        icon = {
                            if (t == Tab.INBOX && unreadCount > 0) {
                                BadgedBox(
                                    badge = {
                                        Badge(Modifier.semantics { unreadText?.let { contentDescription = it } }) {
                                            Text(unreadCount.toString())
                                        }
                                    },
                                ) { TabIcon(t) }
                            } else {
                                TabIcon(t)
                            }
                        },
                        label = { Text(t.label(texts), maxLines = 1, overflow = TextOverflow.Ellipsis) },
                        alwaysShowLabel = allLabels,
                        modifier = Modifier.testTag(AppTags.tab(t)),
                    )
                }
            }
        },
        content = content,
    )
}
