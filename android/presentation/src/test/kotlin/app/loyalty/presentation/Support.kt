package app.loyalty.presentation

import app.loyalty.core.ClientConfig
import app.loyalty.core.Clock
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.MemorySecretStore
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.test.TestCoroutineScheduler
import java.nio.file.Files
import java.time.ZoneId

/** 2026-12-01T10:00:21Z: 9 s before a 30 s code step ends. */
const val T0_MS = 1_796_119_221_000L

/** A clock that runs on the coroutine test scheduler's virtual time. */
class VirtualClock(
    private val startMs: Long,
    private val scheduler: TestCoroutineScheduler,
) : Clock {
    override fun nowMs(): Long = startMs + scheduler.currentTime
}

/** A clock that stands still at `ms`. */
class FixedClock(
    private val ms: Long,
) : Clock {
    override fun nowMs(): Long = ms
}

/** A client on a fresh temporary folder. */
fun client(
    clock: Clock? = null,
    serverUrl: String? = null,
    program: String? = null,
    secrets: MemorySecretStore = MemorySecretStore(),
): LoyaltyClient =
    LoyaltyClient(
        ClientConfig(
            dataDir = Files.createTempDirectory("loyalty-pres").toString(),
            serverUrl = serverUrl,
            programJson = program,
            secretStore = secrets,
            clock = clock,
        ),
    )

/** The environment screens get, in `lang`, Moscow time. */
fun env(
    client: LoyaltyClient,
    lang: Lang,
    io: CoroutineDispatcher,
    nowMs: () -> Long = { T0_MS },
): Env = Env(client, Format(lang, ZoneId.of("Europe/Moscow")), io, nowMs)
