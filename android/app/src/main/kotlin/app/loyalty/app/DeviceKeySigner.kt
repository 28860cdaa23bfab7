package app.loyalty.app

import app.loyalty.core.DeviceSigner
import app.loyalty.core.LoyaltyException
import java.security.GeneralSecurityException
import java.security.KeyPair
import java.security.Signature

/**
 * Where the device key lives: the Android Keystore on a phone
 * ([KeystoreDeviceKeys]), a plain `java.security` key pair in the desktop
 * tests. Every call may block (Keystore IPC, StrongBox).
 */
interface DeviceKeys {
    /** The EC P-256 key pair under the fixed alias, or null when there is none yet. */
    fun load(): KeyPair?

    /** Makes the key pair under the alias (called only when [load] found none). */
    fun create(): KeyPair

    /** Removes the key pair; nothing happens when there is none. */
    fun delete()
}

/**
 * The core's [DeviceSigner] for LOY2 codes over [keys], in the encodings
 * the core reads as they are: the public key as X.509 SubjectPublicKeyInfo
 * DER (`PublicKey.getEncoded()`, 91 bytes for P-256), signatures as
 * `SHA256withECDSA` DER.
 *
 * The key pair is created on first use (the enrollment asks for the public
 * key) and remembered, so showing the card costs no Keystore lookup beyond
 * the one signature per 30 s step. Any failure forgets it, so the next call
 * looks again: a Keystore that lost the key (a reset, a restore) gets a new
 * one, which the core notices (`DEVICE_KEY_CHANGED`, the card shows its LOY1
 * code) and the next sync puts right with a new credential.
 *
 * Safe from any thread (the core calls it from its own and from the card
 * screen's IO thread); never calls back into the client. A failure throws
 * [LoyaltyException] naming only the exception's type: the core then shows
 * the LOY1 code with `SIGNER_FAILED`.
 */
class DeviceKeySigner(
    private val keys: DeviceKeys,
) : DeviceSigner {
    private var pair: KeyPair? = null

    @Synchronized
    override fun publicKey(): ByteArray =
        guard("read the device key") {
            pair().public.encoded ?: throw GeneralSecurityException("the public key has no encoding")
        }

    @Synchronized
    override fun sign(message: ByteArray): ByteArray =
        guard("sign with the device key") {
            Signature.getInstance(ALGORITHM).run {
                initSign(pair().private)
                update(message)
                sign()
            }
        }

    /**
     * Deletes the key (at sign-out): the next member on this phone gets a
     * new one, so the server cannot link two members by their device key.
     */
    @Synchronized
    fun delete() =
        guard("delete the device key") {
            pair = null
            keys.delete()
        }

    private fun pair(): KeyPair = pair ?: (keys.load() ?: keys.create()).also { pair = it }

    private inline fun <T> guard(
        what: String,
        block: () -> T,
    ): T =
        try {
            block()
        } catch (e: LoyaltyException) {
            pair = null
            throw e
        } catch (e: Exception) {
            // GeneralSecurityException, ProviderException (Keystore and StrongBox
            // hardware errors), android.security.KeyStoreException and the rest.
            pair = null
            throw LoyaltyException.Failure("secret_store", "the Android Keystore could not $what (${e.javaClass.simpleName})")
        }

    private companion object {
        /** ECDSA over SHA-256 with a DER signature: what the Keystore's EC keys sign with DIGEST_SHA256. */
        const val ALGORITHM = "SHA256withECDSA"
    }
}
