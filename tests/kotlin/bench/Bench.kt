package app.loyalty.core.bench

import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.SecretStore
import java.util.concurrent.ConcurrentHashMap

/** In-memory secret store, as cheap as the Keystore-backed cache an app would keep. */
class Secrets : SecretStore {
    private val map = ConcurrentHashMap<String, ByteArray>()

    override fun get(key: String): ByteArray? = map[key]

    override fun put(
        key: String,
        secret: ByteArray,
    ) {
        map[key] = secret
    }

    override fun delete(key: String) {
        map.remove(key)
    }
}

/** Median, p90 and p99 of `iterations` calls of `op` after `warmup` calls, in microseconds. */
fun measure(
    name: String,
    warmup: Int,
    iterations: Int,
    op: () -> Unit,
) {
    repeat(warmup) { op() }
    val samples = LongArray(iterations)
    for (i in 0 until iterations) {
        val start = System.nanoTime()
        op()
        samples[i] = System.nanoTime() - start
    }
    samples.sort()

    fun us(q: Double) = samples[((iterations - 1) * q).toInt()] / 1000.0
    println("%-34s median %8.1f µs   p90 %8.1f µs   p99 %8.1f µs   (%d calls)".format(name, us(0.5), us(0.9), us(0.99), iterations))
}

/**
 * Usage: Bench DATA_DIR [COLD_DIR] — DATA_DIR a wallet folder made by `loyalty demo`;
 * COLD_DIR a copy of the 100 000-event wallet `cold_start build` makes.
 */
fun main(args: Array<String>) {
    val dir = args.firstOrNull() ?: error("usage: Bench DATA_DIR [COLD_DIR] (a folder made by `loyalty demo`)")
    LoyaltyClient(ClientConfig(dataDir = dir, secretStore = Secrets())).use { client ->
        client.enrollCard("2000000000015", "3132333435363738393031323334353637383930")
        println("wallet: balance ${client.walletSnapshot(30u, 20u).balance}, card ${client.cardView().displayNumber}")
        measure("ping() (empty call: the floor)", 5_000, 50_000) { client.ping() }
        measure("cardView() (cached frame)", 5_000, 50_000) { client.cardView() }
        measure("walletSnapshot(30 days, 20 rows)", 1_000, 10_000) { client.walletSnapshot(30u, 20u) }
        measure("challenges() + badges()", 500, 5_000) {
            client.challenges()
            client.badges()
        }
        measure("inbox(false) + unreadCount()", 500, 5_000) {
            client.inbox(false)
            client.unreadCount()
        }
    }
    val cold = args.getOrNull(1) ?: return
    // The card secret goes to this map (the Keystore's place on a phone); the
    // library is loaded by now, so each sample is construction + first frame.
    val secrets = Secrets()
    LoyaltyClient(ClientConfig(dataDir = cold, secretStore = secrets)).use { client ->
        client.enrollCard("2000000000015", "3132333435363738393031323334353637383930")
    }
    measure("new client + first cardView(), 100k events", 20, 200) {
        LoyaltyClient(ClientConfig(dataDir = cold, secretStore = secrets)).use { it.cardView() }
    }
}
