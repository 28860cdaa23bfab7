// :ui — the Compose screens (docs/android-ui.md): they take the screen states
// of :presentation and callbacks, and draw. Only APIs common to Jetpack
// Compose and Compose Multiplatform (runtime, foundation, ui, material3), so
// the same files build for Android and for the desktop JVM, where
// scripts/render-screens.sh renders them headless to PNG and checks the card.
//
//   src/commonMain   the screens, LoyaltyApp, AppModels (Android and desktop)
//   src/jvmTest      Compose UI tests, and the render harness
//                    (app.loyalty.ui.render.RenderScreensKt, a desktop main)
//
//   ./gradlew :ui:jvmTest                                        # UI tests on the desktop
//   ./gradlew :ui:renderScreens [-Ployalty.server=http://127.0.0.1:PORT]   # PNGs to build/screenshots
//
// On Android, Compose Multiplatform's coordinates resolve to Jetpack Compose
// (androidx.compose.*); :app substitutes :loyalty-core for :loyalty-core-jvm.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.multiplatform)
    alias(libs.plugins.android.kotlin.multiplatform.library)
    alias(libs.plugins.compose.multiplatform)
    alias(libs.plugins.compose.compiler)
}

kotlin {
    android {
        namespace = "app.loyalty.ui"
        compileSdk =
            libs.versions.androidCompileSdk
                .get()
                .toInt()
        minSdk =
            libs.versions.androidMinSdk
                .get()
                .toInt()
        compilerOptions {
            jvmTarget.set(JvmTarget.JVM_17)
        }
    }
    jvm {
        compilerOptions {
            jvmTarget.set(JvmTarget.JVM_17)
        }
    }
    compilerOptions {
        allWarningsAsErrors.set(true)
    }

    sourceSets {
        commonMain.dependencies {
            // `api`: the screens take :presentation's states, AppModels holds its models.
            api(project(":presentation"))
            implementation(libs.compose.runtime)
            implementation(libs.compose.foundation)
            implementation(libs.compose.ui)
            implementation(libs.compose.material3)
        }
        jvmTest.dependencies {
            // Skia for this machine: ImageComposeScene and the UI tests draw with it.
            implementation(compose.desktop.currentOs)
            implementation(libs.compose.ui.test)
            implementation(libs.junit)
        }
    }
}

/** The Rust library built for this machine by :loyalty-core-jvm:generateBindings (JNA loads it). */
val hostLibrary = project(":loyalty-core-jvm").layout.buildDirectory.dir("generated/uniffi/lib")

tasks.named<Test>("jvmTest") {
    inputs.dir(hostLibrary)
    systemProperty("jna.library.path", hostLibrary.get().asFile.path)
    systemProperty("java.awt.headless", "true")
}

val renderScreens by tasks.registering(JavaExec::class) {
    description = "Renders every screen of the demo wallet to PNG and checks the card (zbarimg, the dev server's till)."
    group = "verification"
    val test = kotlin.jvm().compilations.getByName("test")
    dependsOn(test.compileTaskProvider)
    classpath = files(test.output.allOutputs, test.runtimeDependencyFiles)
    mainClass.set("app.loyalty.ui.render.RenderScreensKt")
    inputs.dir(hostLibrary)
    systemProperty("jna.library.path", hostLibrary.get().asFile.path)
    systemProperty("java.awt.headless", "true")
    val out = layout.buildDirectory.dir("screenshots")
    args("--out", out.get().asFile.path)
    providers.gradleProperty("loyalty.server").orNull?.let { args("--server", it) }
}
