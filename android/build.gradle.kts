// Versions live in gradle/libs.versions.toml. Declaring every plugin here once
// (not applied) puts them on one classpath, so the Kotlin Gradle plugin is the
// catalog's for every module, including the Kotlin that AGP 9 builds itself.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.android.kotlin.multiplatform.library) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.multiplatform) apply false
    alias(libs.plugins.compose.compiler) apply false
    alias(libs.plugins.compose.multiplatform) apply false
    alias(libs.plugins.google.services) apply false
}
