package app.loyalty.core.tests

import app.loyalty.core.ChangeArea
import app.loyalty.core.ChangeListener
import app.loyalty.core.LogRecord
import app.loyalty.core.LogSink
import app.loyalty.core.LoyaltyException
import app.loyalty.core.SecretStore
import app.loyalty.core.TokenProvider
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** What an app would back with EncryptedSharedPreferences / the Keystore. */
class MapSecrets : SecretStore {
    val map = ConcurrentHashMap<String, ByteArray>()

    @Volatile var locked = false

    private fun check() {
        if (locked) throw LoyaltyException.Failure("keystore_locked", "the device is locked")
    }

    override fun get(key: String): ByteArray? {
        check()
        return map[key]
    }

    override fun put(
        key: String,
        secret: ByteArray,
    ) {
        check()
        map[key] = secret
    }

    override fun delete(key: String) {
        check()
        map.remove(key)
    }
}

/** The app's login: here the token the dev server issued, read from the secret store. */
class Login(
    private val secrets: MapSecrets,
) : TokenProvider {
    val calls = AtomicInteger()

    /** When set, the next token() counts down `entered` and waits for `gate`: a sync is then certainly in flight. */
    @Volatile var hold: Pair<CountDownLatch, CountDownLatch>? = null

    override fun token(): String {
        calls.incrementAndGet()
        hold?.let { (entered, gate) ->
            hold = null
            entered.countDown()
            gate.await(20, TimeUnit.SECONDS)
        }
        val bytes =
            secrets.map["access_token"]
                ?: throw LoyaltyException.Failure("signed_out", "no session")
        return String(bytes, Charsets.UTF_8)
    }

    override fun refresh(): String = token()
}

/** Logcat stand-in. */
class Logs : LogSink {
    val lines = CopyOnWriteArrayList<String>()

    override fun log(record: LogRecord) {
        lines.add("${record.level} ${record.target} ${record.text}")
    }
}

/** Collects change notifications. */
class Changes : ChangeListener {
    val areas = CopyOnWriteArrayList<ChangeArea>()

    override fun onChange(areas: List<ChangeArea>) {
        this.areas.addAll(areas)
    }
}
