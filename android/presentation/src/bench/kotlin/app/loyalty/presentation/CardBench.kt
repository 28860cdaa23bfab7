package app.loyalty.presentation

import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.SecretStore
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap

/** The process's secret cache (what a Keystore-backed store keeps in memory). */
class BenchSecrets : SecretStore {
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

/** ARGB pixels of the code at `scale` px per module, quiet zone included (what a screen would blit). */
fun QrImage.argb(scale: Int): IntArray {
    val px = fullSide * scale
    val out = IntArray(px * px) { -1 }
    for (y in 0 until side) {
        for (x in 0 until side) {
            if (!isDark(x, y)) continue
            for (dy in 0 until scale) {
                val row = ((y + quietZone) * scale + dy) * px + (x + quietZone) * scale
                out.fill(0xFF000000.toInt(), row, row + scale)
            }
        }
    }
    return out
}

private fun median(samples: LongArray): Double = samples.sorted()[samples.size / 2] / 1000.0

private fun p90(samples: LongArray): Double = samples.sorted()[samples.size * 9 / 10] / 1000.0

/**
 * The card path as the shopper at the till feels it, on the desktop JVM with
 * the library loaded: from constructing the client on an existing demo
 * wallet to the first card screen state (with its pixels), and one card
 * state update (the once-a-second refresh). Prints medians; asserts nothing.
 */
fun main() =
    runBlocking {
        val dir = Files.createTempDirectory("loyalty-bench").toString()
        val secrets = BenchSecrets()
        LoyaltyClient(ClientConfig(dataDir = dir, secretStore = secrets)).use { it.startDemo() }
        val format = Format(Lang.RU, ZoneId.of("Europe/Moscow"))

        // Warm the JIT on the same path, then measure cold client → first state.
        val cold = LongArray(60)
        val pixels = LongArray(60)
        for (i in -20 until cold.size) {
            val start = System.nanoTime()
            val client = LoyaltyClient(ClientConfig(dataDir = dir, secretStore = secrets))
            val model = CardScreenModel(Env(client, format, Dispatchers.Unconfined))
            model.reload()
            val shown = model.state.value as CardState.Shown
            val stateNs = System.nanoTime() - start
            val bitmap = shown.qr!!.argb(8)
            val allNs = System.nanoTime() - start
            check(bitmap.isNotEmpty())
            client.close()
            if (i >= 0) {
                cold[i] = stateNs
                pixels[i] = allNs
            }
        }
        println("client on the demo wallet → first card state      median %8.1f µs   p90 %8.1f µs".format(median(cold), p90(cold)))
        println("  … with its pixels (8 px/module ARGB)             median %8.1f µs   p90 %8.1f µs".format(median(pixels), p90(pixels)))

        LoyaltyClient(ClientConfig(dataDir = dir, secretStore = secrets)).use { client ->
            val model = CardScreenModel(Env(client, format, Dispatchers.Unconfined))
            repeat(5_000) { model.reload() }
            val tick = LongArray(20_000)
            for (i in tick.indices) {
                val start = System.nanoTime()
                model.reload()
                tick[i] = System.nanoTime() - start
            }
            println("one card state update (the 1 s tick)              median %8.1f µs   p90 %8.1f µs".format(median(tick), p90(tick)))
        }
    }
