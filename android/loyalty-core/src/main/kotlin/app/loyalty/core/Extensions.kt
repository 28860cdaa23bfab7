package app.loyalty.core

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.launch
import java.util.concurrent.atomic.AtomicReference

// Plain-Kotlin conveniences over the generated bindings. No logic of the
// core lives here; this file is compiled and tested on the desktop JVM by
// scripts/test-bindings.sh together with the generated code.

/** The stable snake_case code of any [LoyaltyException] (e.g. `insufficient_points`). */
val LoyaltyException.code: String
    get() =
        when (this) {
            is LoyaltyException.Failure -> this.code
        }

/** What went wrong and what to do, for any [LoyaltyException]. */
val LoyaltyException.reason: String
    get() =
        when (this) {
            is LoyaltyException.Failure -> this.reason
        }

/**
 * Changes as a cold [Flow]: collecting subscribes, cancelling the collector
 * closes the subscription. Changes that arrive while the collector is busy
 * are merged into one set, so none is lost and the thread that made them is
 * never blocked.
 *
 * ```
 * client.changes().collect { areas -> if (ChangeArea.WALLET in areas) refreshWallet() }
 * ```
 */
fun LoyaltyClient.changes(): Flow<Set<ChangeArea>> =
    callbackFlow {
        val pending = AtomicReference<Set<ChangeArea>>(emptySet())
        val signal = Channel<Unit>(Channel.CONFLATED)
        val subscription =
            subscribe(
                object : ChangeListener {
                    override fun onChange(areas: List<ChangeArea>) {
                        pending.getAndUpdate { it + areas }
                        signal.trySend(Unit)
                    }
                },
            )
        launch {
            for (ignored in signal) {
                val areas = pending.getAndSet(emptySet())
                if (areas.isNotEmpty()) send(areas)
            }
        }
        awaitClose {
            subscription.close()
            signal.close()
        }
    }.buffer(Channel.RENDEZVOUS)
