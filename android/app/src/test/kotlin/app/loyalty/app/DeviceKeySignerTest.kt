package app.loyalty.app

import app.loyalty.core.LoyaltyException
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.ProviderException
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/**
 * [DeviceKeySigner] over a `java.security` P-256 key pair standing in for
 * the Keystore (same key type, same encodings): what the core receives,
 * when the key is made, kept, forgotten and deleted.
 */
class DeviceKeySignerTest {
    /** A key store in memory that counts its calls and can be made to fail. */
    private class MemoryKeys : DeviceKeys {
        var pair: KeyPair? = null
        var loads = 0
        var creates = 0
        var deletes = 0

        @Volatile var failing = false

        override fun load(): KeyPair? {
            loads++
            if (failing) throw ProviderException("Keystore operation failed: secret detail")
            return pair
        }

        override fun create(): KeyPair {
            creates++
            return KeyPairGenerator
                .getInstance("EC")
                .apply { initialize(ECGenParameterSpec("secp256r1")) }
                .generateKeyPair()
                .also { pair = it }
        }

        override fun delete() {
            deletes++
            pair = null
        }
    }

    private fun verifies(
        pair: KeyPair,
        message: ByteArray,
        signature: ByteArray,
    ): Boolean =
        Signature.getInstance("SHA256withECDSA").run {
            initVerify(pair.public)
            update(message)
            verify(signature)
        }

    @Test
    fun thePublicKeyIsP256SubjectPublicKeyInfoAndSignaturesAreDerThatVerify() {
        val keys = MemoryKeys()
        val signer = DeviceKeySigner(keys)
        val public = signer.publicKey()
        // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 04‖x‖y }: what the core expects from Android.
        assertEquals(91, public.size)
        assertEquals(0x30, public[0].toInt())
        assertEquals(0x04, public[26].toInt())
        assertArrayEquals(keys.pair!!.public.encoded, public)
        val message = "LOY2 step 58800000".toByteArray()
        val signature = signer.sign(message)
        assertEquals("DER SEQUENCE", 0x30, signature[0].toInt())
        assertTrue(signature.size in 8..72)
        assertTrue(verifies(keys.pair!!, message, signature))
        assertFalse(verifies(keys.pair!!, "another step".toByteArray(), signature))
    }

    @Test
    fun theKeyIsMadeOnFirstUseAndKeptWithoutAskingTheStoreAgain() {
        val keys = MemoryKeys()
        val signer = DeviceKeySigner(keys)
        assertEquals("nothing is made before the core asks", 0, keys.loads + keys.creates)
        val public = signer.publicKey()
        repeat(5) { signer.sign(byteArrayOf(it.toByte())) }
        assertArrayEquals(public, signer.publicKey())
        assertEquals(1, keys.loads)
        assertEquals(1, keys.creates)
        // A new process finds the key the last one made.
        val again = DeviceKeySigner(keys)
        assertArrayEquals(public, again.publicKey())
        assertEquals(1, keys.creates)
    }

    @Test
    fun aFailureNamesOnlyTheExceptionTypeAndTheNextCallLooksAgain() {
        val keys = MemoryKeys()
        val signer = DeviceKeySigner(keys)
        val before = signer.publicKey()
        keys.failing = true
        // The cached pair is used: no Keystore call while it works.
        signer.sign(byteArrayOf(1))
        keys.pair = null // the Keystore lost the key (a reset)
        try {
            DeviceKeySigner(keys).sign(byteArrayOf(1))
            fail("a failing Keystore must throw")
        } catch (e: LoyaltyException.Failure) {
            assertEquals("secret_store", e.code)
            assertTrue(e.reason, e.reason.contains("ProviderException"))
            assertFalse("the exception's message is not passed on", e.reason.contains("secret detail"))
        }
        keys.failing = false
        val fresh = DeviceKeySigner(keys)
        val after = fresh.publicKey()
        assertFalse("a lost key is replaced by a new one", before.contentEquals(after))
        assertEquals(2, keys.creates)
    }

    @Test
    fun deleteRemovesTheKeyAndTheNextMemberGetsANewOne() {
        val keys = MemoryKeys()
        val signer = DeviceKeySigner(keys)
        val first = signer.publicKey()
        signer.delete()
        assertEquals(1, keys.deletes)
        assertEquals(null, keys.pair)
        val second = signer.publicKey()
        assertFalse(first.contentEquals(second))
        assertEquals(2, keys.creates)
    }

    @Test
    fun manyThreadsAtOnceGetOneKeyAndValidSignatures() {
        val keys = MemoryKeys()
        val signer = DeviceKeySigner(keys)
        val pool = Executors.newFixedThreadPool(8)
        try {
            val results =
                pool
                    .invokeAll(
                        (0 until 64).map { i ->
                            Callable {
                                val message = "step $i".toByteArray()
                                Triple(message, signer.sign(message), signer.publicKey())
                            }
                        },
                    ).map { it.get(30, TimeUnit.SECONDS) }
            assertEquals("one key, however many threads ask first", 1, keys.creates)
            val pair = keys.pair!!
            for ((message, signature, public) in results) {
                assertArrayEquals(pair.public.encoded, public)
                assertTrue(verifies(pair, message, signature))
            }
        } finally {
            pool.shutdownNow()
        }
    }
}
