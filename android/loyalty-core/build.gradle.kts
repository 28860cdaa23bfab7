// app.loyalty:loyalty-core — the Rust core for Android apps.
//
// `preBuild` runs ../build-rust.sh, which cross-compiles loyalty-ffi with
// cargo-ndk for every ABI into src/main/jniLibs and generates the Kotlin
// bindings from the built library into src/main/generated (both ignored by
// git). Apps depend on this module (or its AAR) and get JNA as an @aar.
// AGP 9 compiles the Kotlin itself (built-in Kotlin): no kotlin-android plugin,
// and Kotlin's JVM target follows compileOptions below.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "app.loyalty.core"
    compileSdk = 35
    // r28+ aligns shared libraries to 16 KB pages by default.
    ndkVersion = "28.0.13004108"

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }

    sourceSets["main"].java.srcDir("src/main/generated")
    sourceSets["main"].jniLibs.srcDir("src/main/jniLibs")

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

/** The version of rustls-platform-verifier-android in Cargo.lock: its Kotlin half must match it exactly. */
abstract class RustlsVerifierVersion : ValueSource<String, RustlsVerifierVersion.Params> {
    interface Params : ValueSourceParameters {
        val lockFile: RegularFileProperty
    }

    override fun obtain(): String {
        val lines = parameters.lockFile.get().asFile.readLines()
        val at = lines.indexOfFirst { it.trim() == "name = \"rustls-platform-verifier-android\"" }
        return lines.drop(at + 1).firstOrNull { it.trimStart().startsWith("version = ") }
            ?.substringAfter('"')?.substringBefore('"')
            ?.takeIf { at >= 0 && it.isNotEmpty() }
            ?: error("rustls-platform-verifier-android not found in Cargo.lock")
    }
}

val rustlsVerifierVersion = providers.of(RustlsVerifierVersion::class.java) {
    parameters.lockFile.set(rootProject.layout.projectDirectory.file("../Cargo.lock"))
}

configurations.configureEach {
    resolutionStrategy.eachDependency {
        if (requested.group == "rustls" && requested.name == "rustls-platform-verifier") {
            useVersion(rustlsVerifierVersion.get())
            because("the Kotlin half must match the Rust crate in Cargo.lock")
        }
    }
}

dependencies {
    // rustls-platform-verifier's Kotlin half; versioned from Cargo.lock above.
    implementation("rustls:rustls-platform-verifier")
    // JNA as an AAR: it carries libjnidispatch.so for every Android ABI
    // (5.17.0 is the first whose libraries are aligned for 16 KB pages).
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    // `api`: LoyaltyClient.changes() returns a Flow.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.0")
    testImplementation("junit:junit:4.13.2")
    androidTestImplementation("androidx.test.ext:junit:1.2.1")
    androidTestImplementation("androidx.test:runner:1.6.2")
}

val buildRust by tasks.registering(Exec::class) {
    description = "Cross-compiles loyalty-ffi for every ABI and generates the Kotlin bindings."
    group = "build"
    workingDir = rootProject.projectDir
    commandLine("./build-rust.sh", if (gradle.startParameter.taskNames.any { it.contains("Debug") }) "debug" else "release")
}

tasks.named("preBuild") { dependsOn(buildRust) }
