// :loyalty-core-jvm — the Kotlin API of :loyalty-core (the uniffi-generated
// bindings, Extensions.kt and LoyaltyTls.kt, the very same source files) as a
// plain JVM library, built against the Rust library compiled for this machine.
//
// Why: a JVM module (:presentation, the desktop target of :ui) cannot depend
// on an Android library, yet it needs the bindings' types. JVM modules depend
// on this module; :app swaps it for :loyalty-core (dependency substitution in
// app/build.gradle.kts), so an APK carries the classes once, from the AAR,
// with the Android libraries and JNA's @aar. Nothing here is packaged into an APK.
//
// `generateBindings` builds loyalty-ffi for the host with cargo, generates the
// Kotlin from that library (uniffi reads the metadata it embeds: the same
// Kotlin as from the Android builds) and copies the library next to it, for
// desktop runs: jna.library.path = build/generated/uniffi/lib.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
    `java-library`
}

val repoRoot = rootProject.layout.projectDirectory.dir("..")
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")
val hostLibrary = layout.buildDirectory.dir("generated/uniffi/lib")

val generateBindings by tasks.registering(Exec::class) {
    description = "Builds loyalty-ffi for this machine and generates its Kotlin bindings."
    group = "build"
    workingDir = repoRoot.asFile
    // cargo decides whether anything changed; the task itself always asks it.
    outputs.upToDateWhen { false }
    outputs.dir(generatedKotlin)
    outputs.dir(hostLibrary)
    val kotlinOut = generatedKotlin.get().asFile
    val libOut = hostLibrary.get().asFile
    commandLine(
        "bash",
        "-c",
        """
        set -euo pipefail
        source scripts/target-dir.sh
        cargo build -q -p loyalty-ffi
        cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
        case "${'$'}(uname -s)" in Darwin) lib=libloyalty_ffi.dylib ;; *) lib=libloyalty_ffi.so ;; esac
        rm -rf "$kotlinOut" "$libOut" && mkdir -p "$libOut"
        cp "${'$'}TARGET_DIR/debug/${'$'}lib" "$libOut/"
        "${'$'}TARGET_DIR/debug/uniffi-bindgen" generate "$libOut/${'$'}lib" --language kotlin --no-format --out-dir "$kotlinOut"
        """.trimIndent(),
    )
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
    sourceSets.named("main") {
        kotlin.srcDir(generateBindings.map { generatedKotlin.get() })
        kotlin.srcDir("../loyalty-core/src/main/kotlin")
    }
}

dependencies {
    // The desktop JNA jar; on Android, :loyalty-core brings JNA as an @aar instead.
    api(libs.jna)
    // `api`: LoyaltyClient.changes() returns a Flow.
    api(libs.kotlinx.coroutines.core)
}
