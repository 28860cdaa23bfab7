//! Android TLS setup. reqwest checks server certificates with
//! rustls-platform-verifier, which on Android asks the system trust manager
//! through the JVM and therefore needs the app's `Context` once per process.
//! The Android module's `LoyaltyTls.install(context)` calls this JNI entry
//! point; on other platforms it does nothing (they need no setup). It is
//! compiled everywhere so the desktop JVM tests prove the binding links.

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
        .with_env(|env| -> Result<(), jni::errors::Error> {
            #[cfg(target_os = "android")]
            rustls_platform_verifier::android::init_with_env(env, context)?;
            #[cfg(not(target_os = "android"))]
            let _ = (env, context);
            Ok(())
        })
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>();
}
