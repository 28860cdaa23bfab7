//! Android TLS setup. reqwest checks server certificates with
//! rustls-platform-verifier, which on Android asks the system trust manager
//! through the JVM and therefore needs the app's `Context` once per process.
//! The Android module's `LoyaltyTls.install(context)` calls this JNI entry
//! point. Other platforms need no setup: there the same symbol exists as a
//! no-op (without the jni crate), so the desktop JVM tests prove the binding
//! links under the name Kotlin expects.

#[cfg(target_os = "android")]
mod jni_entry {
    use jni::EnvUnowned;
    use jni::objects::{JClass, JObject};

    /// `app.loyalty.core.LoyaltyTls.init(context)`: hands the application
    /// `Context` to the certificate verifier. Errors become a Java
    /// `RuntimeException`; a panic never crosses into the JVM.
    #[unsafe(no_mangle)]
    pub extern "system" fn Java_app_loyalty_core_LoyaltyTls_init<'caller>(
        mut unowned_env: EnvUnowned<'caller>,
        _class: JClass<'caller>,
        context: JObject<'caller>,
    ) {
        unowned_env
            .with_env(|env| rustls_platform_verifier::android::init_with_env(env, context))
            .resolve::<jni::errors::ThrowRuntimeExAndDefault>();
    }
}

/// `app.loyalty.core.LoyaltyTls.init(context)` off Android: nothing to set up.
#[cfg(not(target_os = "android"))]
#[unsafe(no_mangle)]
pub extern "system" fn Java_app_loyalty_core_LoyaltyTls_init(
    _env: *mut std::ffi::c_void,
    _class: *mut std::ffi::c_void,
    _context: *mut std::ffi::c_void,
) {
}
