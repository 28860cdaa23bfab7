// :app — the Android application: thin glue around :ui (Compose screens),
// :presentation (screen state) and :loyalty-core (the Rust core for Android).
// See docs/android-app.md.
//
// Push (FCM) needs android/app/google-services.json from the Firebase console.
// It is not committed: without it the Google Services plugin is not applied,
// the app builds and runs, and offers arrive with the next sync instead.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.compose.compiler)
}

if (file("google-services.json").exists()) {
    apply(plugin = libs.plugins.google.services.get().pluginId)
}

/** A Gradle property (`-Ployalty.serverUrl=…` or gradle.properties) as a Java string literal for BuildConfig. */
fun buildConfigString(property: String, default: String): String =
    "\"" + (providers.gradleProperty(property).orNull ?: default).replace("\\", "\\\\").replace("\"", "\\\"") + "\""

android {
    namespace = "app.loyalty.app"
    compileSdk = libs.versions.androidCompileSdk.get().toInt()

    defaultConfig {
        applicationId = "app.loyalty"
        minSdk = libs.versions.androidMinSdk.get().toInt()
        targetSdk = libs.versions.androidTargetSdk.get().toInt()
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        debug {
            // The dev server on the computer, reached through `adb reverse tcp:8080 tcp:8080`
            // (loopback is the only place cleartext is allowed: res/xml/network_security_config.xml).
            buildConfigField("String", "LOYALTY_SERVER_URL", buildConfigString("loyalty.serverUrl", "http://127.0.0.1:8080"))
        }
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
            // Empty: offline and demo only, until the production server's https:// URL is given.
            buildConfigField("String", "LOYALTY_SERVER_URL", buildConfigString("loyalty.serverUrl", ""))
        }
    }

    compileOptions {
        // java.time (dates in :presentation) on API 24 and 25.
        isCoreLibraryDesugaringEnabled = true
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// JVM modules (:presentation, :ui's common code) compile against the bindings
// in :loyalty-core-jvm; the app takes the very same classes from :loyalty-core,
// which also carries the Rust library for every ABI and JNA as an @aar. So the
// APK holds each class once and no desktop JNA jar.
configurations.configureEach {
    resolutionStrategy.dependencySubstitution {
        substitute(project(":loyalty-core-jvm"))
            .using(project(":loyalty-core"))
            .because("on Android the bindings come from the AAR with their native libraries")
    }
}

dependencies {
    implementation(project(":loyalty-core"))
    implementation(project(":presentation"))
    implementation(project(":ui"))

    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.lifecycle.runtime.ktx)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.compose.runtime)
    implementation(libs.kotlinx.coroutines.android)
    implementation(platform(libs.firebase.bom))
    implementation(libs.firebase.messaging)
    coreLibraryDesugaring(libs.desugar.jdk.libs)

    testImplementation(libs.junit)
}
