package app.loyalty.core

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.channels.BufferOverflow

/**
 * Plain-Kotlin conveniences over the generated bindings. No logic of the
 * core lives here; this file is compiled and tested on the desktop JVM by
 * scripts/test-bindings.sh together with the generated code.
 */

/** The stable snake_case code of any [LoyaltyException] (e.g. `insufficient_points`). */
val LoyaltyException.code: String
    get() = when (this) {
        is LoyaltyException.Failure -> this.code
    }

/** What went wrong and what to do, for any [LoyaltyException]. */
val LoyaltyException.reason: String
    get() = when (this) {
        is LoyaltyException.Failure -> this.reason
    }

/**
 * Changes as a cold [Flow]: collecting subscribes, cancelling the collector
 * closes the subscription. A slow collector gets the latest changes merged
 * rather than blocking the thread that made them.
 *
 * ```
 * client.changes().collect { areas -> if (ChangeArea.WALLET in areas) refreshWallet() }
 * ```
 */
fun LoyaltyClient.changes(): Flow<Set<ChangeArea>> = callbackFlow {
    val subscription = subscribe(object : ChangeListener {
        override fun onChange(areas: List<ChangeArea>) {
            trySendBlocking(areas.toSet())
        }
    })
    awaitClose { subscription.close() }
}.buffer(capacity = 64, onBufferOverflow = BufferOverflow.DROP_OLDEST)
