package app.loyalty.core

/**
 * TLS setup on Android. The core checks server certificates with Android's
 * own trust manager (through rustls-platform-verifier), which needs the app's
 * `Context` once per process: call `LoyaltyTls.install(applicationContext)`
 * in `Application.onCreate`, before the first `enroll()` or `sync()`.
 * Without it, HTTPS calls fail. Other platforms need nothing; on a desktop
 * JVM this only checks that the library's JNI entry point links.
 */
object LoyaltyTls {
    @Volatile private var installed = false

    /** Hands `context` (an `android.content.Context`) to the certificate verifier; later calls do nothing. */
    @JvmStatic
    @Synchronized
    fun install(context: Any) {
        if (installed) return
        System.loadLibrary("loyalty_ffi")
        init(context)
        installed = true
    }

    @JvmStatic
    private external fun init(context: Any)
}
