package app.loyalty.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import app.loyalty.core.LoyaltyException
import app.loyalty.core.SecretStore
import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's [SecretStore] (card secret, access token) on Android: each
 * secret is sealed with AES-256-GCM under a key that lives in the Android
 * Keystore and never leaves it; the ciphertext (with its IV and tag) is a
 * file in the app's no-backup folder, one per key name. The name is bound
 * into the tag (associated data), so a file renamed to another key's name
 * does not open.
 *
 * The key needs no user authentication and no unlocked screen: the periodic
 * sync reads the access token in the background. When the Keystore fails
 * (locked, unavailable, the key gone after a restore elsewhere, a damaged
 * file), the call throws a [LoyaltyException] and the core reports
 * `secret_store`; the secret itself never appears in an error or a log.
 */
class KeystoreSecretStore(
    private val dir: File,
    private val alias: String = KEY_ALIAS,
) : SecretStore {
    @Synchronized
    override fun get(key: String): ByteArray? =
        guard("read") {
            val file = fileOf(key)
            if (!file.exists()) return@guard null
            val blob = file.readBytes()
            if (blob.size < HEADER + TAG_BYTES || blob[0] != VERSION || blob[1].toInt() != IV_BYTES) {
                throw IOException("unknown secret file format")
            }
            val secretKey = existingKey() ?: throw GeneralSecurityException("the Keystore key is gone")
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, secretKey, GCMParameterSpec(TAG_BYTES * 8, blob, 2, IV_BYTES))
            cipher.updateAAD(aad(key))
            cipher.doFinal(blob, HEADER, blob.size - HEADER)
        }

    @Synchronized
    override fun put(
        key: String,
        secret: ByteArray,
    ) = guard("store") {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The Keystore picks a fresh random IV for every encryption.
        cipher.init(Cipher.ENCRYPT_MODE, existingKey() ?: newKey())
        cipher.updateAAD(aad(key))
        val sealed = cipher.doFinal(secret)
        val iv = cipher.iv
        if (iv.size != IV_BYTES) throw GeneralSecurityException("unexpected IV length ${iv.size}")
        writeAtomically(fileOf(key), byteArrayOf(VERSION, IV_BYTES.toByte()) + iv + sealed)
    }

    @Synchronized
    override fun delete(key: String) =
        guard("delete") {
            val file = fileOf(key)
            if (file.exists() && !file.delete()) throw IOException("cannot delete the secret file")
            // The last secret gone (sign-out): the next member gets a new key.
            if (dir.listFiles { f -> f.name.endsWith(SUFFIX) }.isNullOrEmpty()) {
                keyStore().let { if (it.containsAlias(alias)) it.deleteEntry(alias) }
            }
        }

    private fun fileOf(key: String): File = File(dir, key.toByteArray(Charsets.UTF_8).joinToString("") { "%02x".format(it) } + SUFFIX)

    private fun aad(key: String): ByteArray = "loyalty-secret-v1:$key".toByteArray(Charsets.UTF_8)

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private fun existingKey(): SecretKey? = keyStore().getKey(alias, null) as SecretKey?

    private fun newKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec
                .Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    /** Writes a temporary file, syncs it to disk, then renames it over `target`: a reader sees the old secret or the new one. */
    private fun writeAtomically(
        target: File,
        bytes: ByteArray,
    ) {
        if (!dir.isDirectory && !dir.mkdirs()) throw IOException("cannot create the secrets folder")
        val tmp = File(dir, target.name + ".tmp")
        FileOutputStream(tmp).use { out ->
            out.write(bytes)
            out.fd.sync()
        }
        if (!tmp.renameTo(target)) {
            tmp.delete()
            throw IOException("cannot replace the secret file")
        }
    }

    private inline fun <T> guard(
        what: String,
        block: () -> T,
    ): T =
        try {
            block()
        } catch (e: LoyaltyException) {
            throw e
        } catch (e: Exception) {
            // GeneralSecurityException, IOException, ProviderException (Keystore
            // hardware errors), android.security.KeyStoreException and the rest.
            throw failure(what, e)
        }

    // Only the exception's type: a message could quote more than it should.
    private fun failure(
        what: String,
        e: Exception,
    ) = LoyaltyException.Failure("secret_store", "Android Keystore could not $what the secret (${e.javaClass.simpleName})")

    private companion object {
        const val KEY_ALIAS = "app.loyalty.secrets.v1"
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val SUFFIX = ".secret"
        const val VERSION: Byte = 1
        const val IV_BYTES = 12
        const val TAG_BYTES = 16
        const val HEADER = 2 + IV_BYTES
    }
}
