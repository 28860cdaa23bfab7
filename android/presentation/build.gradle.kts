// :presentation — screen-state holders (StateFlow), formatting, texts and
// error messages: plain Kotlin/JVM with no Android API, so the same classes
// run in the app and, with their tests, on the desktop against the real
// library. The bindings' types come from :loyalty-core-jvm (a JVM module
// cannot depend on the Android library :loyalty-core); in the app, :app puts
// :loyalty-core in its place (docs/android-app.md, "Modules").
//
//   ./gradlew :presentation:test                               # offline tests
//   ./gradlew :presentation:test -Ployalty.server=http://127.0.0.1:PORT   # + the journey on a dev server
import org.jetbrains.kotlin.gradle.dsl.JvmTarget
import org.jetbrains.kotlin.gradle.tasks.KotlinCompile

plugins {
    alias(libs.plugins.kotlin.jvm)
    `java-library`
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        allWarningsAsErrors.set(true)
    }
}

tasks.named<KotlinCompile>("compileTestKotlin") {
    compilerOptions.optIn.add("kotlinx.coroutines.ExperimentalCoroutinesApi")
}

dependencies {
    // `api`: Env takes a LoyaltyClient and the models expose the core's records.
    api(project(":loyalty-core-jvm"))
    api(libs.kotlinx.coroutines.core)
    testImplementation(libs.junit)
    testImplementation(libs.kotlinx.coroutines.test)
}

tasks.test {
    // The Rust library built for this machine by :loyalty-core-jvm:generateBindings.
    val lib = project(":loyalty-core-jvm").layout.buildDirectory.dir("generated/uniffi/lib")
    inputs.dir(lib)
    systemProperty("jna.library.path", lib.get().asFile.path)
    providers.gradleProperty("loyalty.server").orNull?.let { systemProperty("loyalty.server", it) }
}
