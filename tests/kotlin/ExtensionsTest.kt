package app.loyalty.core.tests

import app.loyalty.core.ChangeArea
import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.LoyaltyException
import app.loyalty.core.LoyaltyTls
import app.loyalty.core.changes
import app.loyalty.core.code
import app.loyalty.core.reason
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.junit.Assert.assertEquals
import org.junit.Assert.fail
import org.junit.Test
import java.nio.file.Files

private const val RULES = """{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"""

/** The hand-written Kotlin layer of the Android module (android/loyalty-core/src/main/kotlin). */
class ExtensionsTest {
    private fun open() =
        LoyaltyClient(
            ClientConfig(dataDir = Files.createTempDirectory("loyalty-kt-ext").toString(), programJson = RULES, secretStore = MapSecrets()),
        )

    @Test
    fun tlsSetupLinksToTheLibrary() {
        // On Android this hands the Context to the certificate verifier; here
        // it proves the JNI entry point exists under the name Kotlin expects.
        LoyaltyTls.install(Any())
        LoyaltyTls.install(Any())
    }

    @Test
    fun anyLoyaltyExceptionHasItsCode() {
        open().use { client ->
            try {
                client.markRead("nope")
                fail("unknown message")
            } catch (e: LoyaltyException) {
                assertEquals("unknown_message", e.code)
                assertEquals(true, e.reason.contains("nope"))
            }
        }
    }

    @Test
    fun changesThatArriveWhileTheCollectorIsBusyAreMerged() =
        runBlocking<Unit> {
            open().use { client ->
                // Single-threaded: the flow's producer runs only when this coroutine suspends.
                val received = async(start = CoroutineStart.UNDISPATCHED) { client.changes().take(1).toList() }
                yield() // let the producer subscribe
                client.ingestPush("""{"kind":"offer","message_id":"o-9","title":"T","body":"B","coupon_percent":"5"}""")
                client.activateOffer("o-9")
                assertEquals(listOf(setOf(ChangeArea.INBOX, ChangeArea.WALLET)), received.await())
            }
        }

    @Test
    fun changesFlowSubscribesAndClosesWithTheCollector() =
        runBlocking<Unit> {
            open().use { client ->
                val received =
                    async(Dispatchers.IO, start = CoroutineStart.UNDISPATCHED) {
                        withTimeout(10_000) { client.changes().take(2).toList() }
                    }
                // The flow subscribes when collected; push until both changes are seen.
                var i = 0
                while (!received.isCompleted) {
                    client.ingestPush("""{"kind":"message","message_id":"m-$i","title":"Hi","body":"There"}""")
                    i++
                    yield()
                    Thread.sleep(5)
                }
                assertEquals(listOf(setOf(ChangeArea.INBOX), setOf(ChangeArea.INBOX)), received.await())
            }
        }
}
