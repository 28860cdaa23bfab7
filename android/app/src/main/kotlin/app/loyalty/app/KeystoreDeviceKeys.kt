package app.loyalty.app

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.ProviderException
import java.security.spec.ECGenParameterSpec

/**
 * The LOY2 device key in the Android Keystore: an EC P-256 signing key
 * (`PURPOSE_SIGN`, `DIGEST_SHA256`) under one fixed alias, in StrongBox
 * when the phone has it (Android 9+), otherwise in the TEE. Its private
 * half never leaves the hardware.
 *
 * No user authentication and no unlocked-screen requirement: the card must
 * show at once, offline, while the shopper is in a hurry at the till (and
 * the core asks for at most one signature per 30 s step). StrongBox signs
 * more slowly than the TEE (tens to hundreds of ms), which that one
 * signature per step allows; the card screen reads it off the main thread.
 */
class KeystoreDeviceKeys(
    private val alias: String = ALIAS,
) : DeviceKeys {
    override fun load(): KeyPair? {
        val store = keyStore()
        val private = store.getKey(alias, null) as? PrivateKey ?: return null
        val public = store.getCertificate(alias)?.publicKey ?: return null
        return KeyPair(public, private)
    }

    override fun create(): KeyPair =
        (if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) StrongBox.generateOrNull(spec()) else null)
            ?: generate(spec().build())

    override fun delete() {
        val store = keyStore()
        if (store.containsAlias(alias)) store.deleteEntry(alias)
    }

    private fun spec(): KeyGenParameterSpec.Builder =
        KeyGenParameterSpec
            .Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
            .setUserAuthenticationRequired(false)

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    /** Android 9+ only: loaded behind the SDK_INT check alone, so older phones never load or verify it. */
    private object StrongBox {
        /** The key in StrongBox, or null when the phone has none (the caller then makes it in the TEE). */
        fun generateOrNull(spec: KeyGenParameterSpec.Builder): KeyPair? =
            try {
                generate(spec.setIsStrongBoxBacked(true).build())
            } catch (e: StrongBoxUnavailableException) {
                null
            } catch (e: ProviderException) {
                // Some phones declare StrongBox but fail to make an EC key in it.
                null
            }
    }

    companion object {
        /** The fixed alias of the device key. */
        const val ALIAS = "app.loyalty.device-key.v1"
        private const val ANDROID_KEYSTORE = "AndroidKeyStore"

        private fun generate(spec: KeyGenParameterSpec): KeyPair =
            KeyPairGenerator
                .getInstance(KeyProperties.KEY_ALGORITHM_EC, ANDROID_KEYSTORE)
                .apply { initialize(spec) }
                .generateKeyPair()
    }
}
