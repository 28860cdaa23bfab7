// The Android build (docs/android-app.md):
//   :loyalty-core      Android library: the Rust core for each ABI + its Kotlin API
//   :loyalty-core-jvm  the same Kotlin API as a JVM library, for JVM modules and the desktop
//   :presentation      screen-state holders, formatting, texts (plain Kotlin/JVM)
//   :ui                the Compose screens (Compose Multiplatform: Android + desktop)
//   :app               the Android application (glue: Application, Activity, FCM, WorkManager, Keystore)
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // The Kotlin half of rustls-platform-verifier (Android certificate checks).
        maven { url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/") }
    }
}
rootProject.name = "loyalty-android"
include(":loyalty-core")
include(":loyalty-core-jvm")
include(":presentation")
include(":ui")
include(":app")
