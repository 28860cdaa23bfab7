package app.loyalty.presentation

import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.runTest
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** Every screen's state from a real client on the demo wallet, offline, in both languages. */
class ScreensTest {
    @Test
    fun theDemoWalletOnEveryScreen() =
        runTest {
            val io = StandardTestDispatcher(testScheduler)
            val client = client(FixedClock(T0_MS))
            val onboarding = OnboardingModel(env(client, Lang.RU, io))
            onboarding.load()
            assertEquals(Root.ONBOARDING, onboarding.root.value)
            onboarding.startDemo()
            assertEquals(Root.MEMBER, onboarding.root.value)
            assertEquals(OnboardingState.Ready("Карта •••• 3931 готова"), onboarding.state.value)

            for (lang in Lang.entries) {
                val e = env(client, lang, io)
                val sync = SyncCoordinator(e)
                val wallet = WalletScreenModel(e, sync).also { it.reload() }.state.value
                assertFalse(wallet.loading)
                assertNull(wallet.error)
                val points = if (lang == Lang.RU) Regex("^[0-9\u00A0]+\u00A0балл(а|ов)?$") else Regex("^[0-9,]+\u00A0points?$")
                assertTrue(wallet.balance, points.matches(wallet.balance))
                val tier = requireNotNull(wallet.tier)
                assertTrue(tier.progress in 0f..1f)
                assertTrue(tier.next, tier.next.contains("₽"))
                assertTrue("history: ${wallet.history}", wallet.history.size >= 10)
                assertTrue(wallet.history.any { it.positive } && wallet.history.any { !it.positive })

                val challenges = ChallengesScreenModel(e).also { it.reload() }.state.value
                assertEquals(4, challenges.challenges.size)
                val coffee = challenges.challenges.first { it.id == "coffee" }
                assertTrue("an opt-in challenge offers Join: $coffee", coffee.canJoin)
                assertTrue(challenges.challenges.all { it.reward != null && it.progress in 0f..1f })
                val sport = challenges.challenges.first { it.id == "sport3" }
                assertEquals(if (lang == Lang.RU) "Награда: 300\u00A0баллов" else "Reward: 300\u00A0points", sport.reward)

                val badges = BadgesScreenModel(e).also { it.reload() }.state.value
                assertEquals(4, badges.badges.size)
                assertTrue(badges.badges.first { it.id == "first" }.earned)

                val inbox = InboxScreenModel(e).also { it.reload() }.state.value
                assertTrue(inbox.unreadCount >= 1)
                assertTrue("pinned first: ${inbox.messages}", inbox.messages.first().pinned)
                assertTrue(inbox.messages.any { it.canActivate })
            }

            // Activating the offer puts its coupon in the wallet; opening a message reads it.
            val e = env(client, Lang.EN, io)
            val inbox = InboxScreenModel(e)
            inbox.reload()
            val offer =
                inbox.state.value.messages
                    .first { it.canActivate }
            val couponsBefore =
                WalletScreenModel(e, SyncCoordinator(e))
                    .also { it.reload() }
                    .state.value.coupons.size
            inbox.activate(offer.id)
            inbox.reload()
            assertEquals(
                "Coupon in your wallet",
                inbox.state.value.messages
                    .first { it.id == offer.id }
                    .activated,
            )
            val wallet = WalletScreenModel(e, SyncCoordinator(e)).also { it.reload() }.state.value
            assertEquals(couponsBefore + 1, wallet.coupons.size)
            assertTrue(wallet.coupons.any { it.title == "15% off" })
            assertEquals("1 action waits for sync", wallet.pending)
            val unread = inbox.state.value.unreadCount
            inbox.open(
                inbox.state.value.messages
                    .first { it.unread }
                    .id,
            )
            inbox.reload()
            assertEquals(unread - 1, inbox.state.value.unreadCount)
            val dismissed =
                inbox.state.value.messages
                    .first()
                    .id
            inbox.dismiss(dismissed)
            inbox.reload()
            assertFalse(
                inbox.state.value.messages
                    .any { it.id == dismissed },
            )

            // A challenge joined offline shows as in progress.
            val challenges = ChallengesScreenModel(e)
            challenges.join("coffee")
            challenges.reload()
            assertFalse(
                challenges.state.value.challenges
                    .first { it.id == "coffee" }
                    .canJoin,
            )

            // History pages.
            val paged = WalletScreenModel(e, SyncCoordinator(e))
            paged.reload()
            val first = paged.state.value.history.size
            if (paged.state.value.canLoadMore) {
                paged.loadMore()
                assertTrue(paged.state.value.history.size > first)
            }
        }

    /**
     * The leaderboards on a real client of a program with boards, offline:
     * no sync has brought a standing yet; the core refuses a bad name at once
     * (the screen shows its message), takes a good one trimmed and pending,
     * and a leave gives the invitation back.
     */
    @Test
    fun leaderboardsJoinAndLeaveOffline() =
        runTest {
            val io = StandardTestDispatcher(testScheduler)
            val program =
                """{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"template": "{card}"},
                  "leaderboards": [{"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 5},
                                   {"id": "spend", "title": "Big spenders", "metric": "spend", "period": "month", "top": 5}]}"""
            val client = client(FixedClock(T0_MS), program = program)
            for (lang in Lang.entries) {
                val s = LeaderboardsScreenModel(env(client, lang, io)).also { it.reload() }.state.value
                val t = Texts.of(lang)
                assertFalse(s.loading)
                assertEquals(listOf("week", "spend"), s.boards.map { it.id })
                assertEquals(t.boardInvite, s.membership)
                assertTrue(s.canJoin && !s.canLeave)
                for (b in s.boards) {
                    assertEquals("before a sync: $b", t.boardNotSynced, b.empty)
                    assertNull(b.updated)
                    assertNull(b.participants)
                    assertTrue(b.rows.isEmpty())
                }
                assertEquals(t.boardPeriod("week"), s.boards[0].period)
            }

            val e = env(client, Lang.RU, io)
            val model = LeaderboardsScreenModel(e)
            model.reload()
            assertFalse("one letter is refused by the core", model.join("x"))
            assertEquals(ErrorTexts.message("invalid_display_name", Lang.RU), model.state.value.joinError)
            assertTrue(model.state.value.canJoin)
            assertFalse("a colon is refused too", model.join("Anna: K"))
            assertNotNull(model.state.value.joinError)
            model.clearJoinError()
            assertNull(model.state.value.joinError)

            assertTrue(model.join("  Anna K.  "))
            val joined = model.state.value
            assertNull(joined.joinError)
            assertEquals("Anna K.", joined.myName)
            assertTrue("waits for the server: $joined", joined.pending && joined.canLeave && !joined.canJoin)
            assertEquals("Имя «Anna K.» ждёт подтверждения сервера", joined.membership)

            model.leave()
            val left = model.state.value
            assertNull(left.myName)
            assertTrue(left.canJoin && !left.canLeave && !left.pending)
            assertEquals(RuTexts.boardInvite, left.membership)
        }

    /** The demo program has no boards: the screen says so and still offers to join. */
    @Test
    fun theDemoWalletHasNoLeaderboards() =
        runTest {
            val io = StandardTestDispatcher(testScheduler)
            val client = client(FixedClock(T0_MS))
            client.startDemo()
            val s = LeaderboardsScreenModel(env(client, Lang.EN, io)).also { it.reload() }.state.value
            assertEquals("No leaderboards yet", s.empty)
            assertTrue(s.boards.isEmpty() && s.canJoin)
        }
}
