#!/usr/bin/env bash
# Downloads the Compose Multiplatform 1.12.2 desktop (linux-x64) runtime closure
# from Maven Central into a cache dir, checking each jar's SHA-1 against the
# .sha1 file Maven Central serves next to it. Idempotent: a jar already present
# whose SHA-1 matches its saved .sha1 is not fetched again (works offline then).
#
#   scripts/fetch-compose.sh [--with-test] [--print-classpath]
#     --with-test        also fetch ui-test-junit4-desktop and its closure (JUnit 4, Truth, ...)
#     --print-classpath  print the classpath (':'-joined absolute paths) on stdout
#
# Cache dir: $LOYALTY_COMPOSE_JARS, else ${XDG_CACHE_HOME:-~/.cache}/loyalty-compose/jars.
# Writes $CACHE/compose.classpath (and compose-test.classpath with --with-test).
# Not in the list, on purpose: org.jetbrains.kotlin:kotlin-stdlib (take kotlinc's own,
# 2.4.20) and the root org.jetbrains.kotlinx:kotlinx-coroutines-core (a Kotlin
# metadata jar with no JVM classes; the -jvm jar below is the real one).
set -euo pipefail
REPO=https://repo1.maven.org/maven2
CACHE="${LOYALTY_COMPOSE_JARS:-${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-compose/jars}"
WITH_TEST=0; PRINT=0
for a in "$@"; do case "$a" in
  --with-test) WITH_TEST=1 ;;
  --print-classpath) PRINT=1 ;;
  *) echo "usage: $0 [--with-test] [--print-classpath]" >&2; exit 2 ;;
esac; done

# group:artifact:version, resolved as Gradle would (highest requested version wins,
# Compose modules aligned to one release); how it was derived: docs/android.md, "Compose on the desktop".
MAIN="
androidx.annotation:annotation:1.1.0
androidx.annotation:annotation-jvm:1.9.1
androidx.arch.core:core-common:2.2.0
androidx.collection:collection-jvm:1.5.0
androidx.compose.runtime:runtime-annotation-jvm:1.12.1
androidx.compose.runtime:runtime-desktop:1.12.1
androidx.compose.runtime:runtime-retain-desktop:1.12.1
androidx.compose.runtime:runtime-saveable-desktop:1.12.1
androidx.graphics:graphics-shapes-desktop:1.1.0
androidx.lifecycle:lifecycle-common-jvm:2.11.0
androidx.lifecycle:lifecycle-runtime-compose-desktop:2.11.0
androidx.lifecycle:lifecycle-runtime-desktop:2.11.0
androidx.lifecycle:lifecycle-viewmodel-compose-desktop:2.11.0
androidx.lifecycle:lifecycle-viewmodel-desktop:2.11.0
androidx.lifecycle:lifecycle-viewmodel-savedstate-desktop:2.11.0
androidx.navigationevent:navigationevent-compose-desktop:1.1.1
androidx.navigationevent:navigationevent-desktop:1.1.1
androidx.savedstate:savedstate-compose-desktop:1.4.0
androidx.savedstate:savedstate-desktop:1.4.0
org.jetbrains:annotations:23.0.0
org.jetbrains.androidx.lifecycle:lifecycle-runtime-compose-desktop:2.9.6
org.jetbrains.androidx.navigationevent:navigationevent-compose-desktop:1.1.0
org.jetbrains.androidx.savedstate:savedstate-compose-desktop:1.3.6
org.jetbrains.compose.animation:animation-core-desktop:1.12.2
org.jetbrains.compose.animation:animation-desktop:1.12.2
org.jetbrains.compose.foundation:foundation-desktop:1.12.2
org.jetbrains.compose.foundation:foundation-layout-desktop:1.12.2
org.jetbrains.compose.material:material-ripple-desktop:1.12.2
org.jetbrains.compose.material3:material3-desktop:1.12.0-alpha03
org.jetbrains.compose.runtime:runtime-desktop:1.12.2
org.jetbrains.compose.runtime:runtime-saveable-desktop:1.12.2
org.jetbrains.compose.ui:ui-backhandler-desktop:1.12.2
org.jetbrains.compose.ui:ui-desktop:1.12.2
org.jetbrains.compose.ui:ui-geometry-desktop:1.12.2
org.jetbrains.compose.ui:ui-graphics-desktop:1.12.2
org.jetbrains.compose.ui:ui-text-desktop:1.12.2
org.jetbrains.compose.ui:ui-unit-desktop:1.12.2
org.jetbrains.compose.ui:ui-util-desktop:1.12.2
org.jetbrains.kotlinx:atomicfu-jvm:0.28.0
org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.9.0
org.jetbrains.kotlinx:kotlinx-datetime-jvm:0.7.1
org.jetbrains.kotlinx:kotlinx-serialization-core-jvm:1.7.3
org.jetbrains.runtime:jbr-api:1.9.0
org.jetbrains.skiko:skiko-awt:0.150.2
org.jetbrains.skiko:skiko-awt-runtime-linux-x64:0.150.2
org.jspecify:jspecify:1.0.0
"
TEST="
com.google.auto.value:auto-value-annotations:1.6.3
com.google.code.findbugs:jsr305:3.0.2
com.google.errorprone:error_prone_annotations:2.3.3
com.google.guava:failureaccess:1.0.1
com.google.guava:guava:28.1-android
com.google.guava:listenablefuture:9999.0-empty-to-avoid-conflict-with-guava
com.google.j2objc:j2objc-annotations:1.3
com.google.truth:truth:1.0.1
com.googlecode.java-diff-utils:diffutils:1.3.0
junit:junit:4.13.2
org.checkerframework:checker-compat-qual:2.5.5
org.codehaus.mojo:animal-sniffer-annotations:1.18
org.hamcrest:hamcrest-core:1.3
org.jetbrains.compose.ui:ui-test-desktop:1.12.2
org.jetbrains.compose.ui:ui-test-junit4-desktop:1.12.2
org.jetbrains.kotlinx:kotlinx-coroutines-test-jvm:1.9.0
"

command -v curl >/dev/null || { echo "error: curl is needed" >&2; exit 1; }
command -v sha1sum >/dev/null || { echo "error: sha1sum is needed" >&2; exit 1; }
mkdir -p "$CACHE"

fetch_one() { # g:a:v -> prints the jar path
  local g a v
  IFS=: read -r g a v <<<"$1"
  local rel="${g//.//}/$a/$v/$a-$v.jar"
  local jar="$CACHE/${g}_$a-$v.jar"
  if [ -f "$jar" ] && [ -f "$jar.sha1" ] && [ "$(sha1sum "$jar" | cut -c1-40)" = "$(cut -c1-40 "$jar.sha1")" ]; then
    echo "$jar"; return 0
  fi
  local tmp="$jar.part.$$"
  curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp.sha1" "$REPO/$rel.sha1" || { echo "error: cannot fetch $REPO/$rel.sha1" >&2; rm -f "$tmp.sha1"; return 1; }
  curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp" "$REPO/$rel" || { echo "error: cannot fetch $REPO/$rel" >&2; rm -f "$tmp" "$tmp.sha1"; return 1; }
  local want got
  want=$(tr -d ' \r\n' <"$tmp.sha1" | cut -c1-40)   # some .sha1 files carry a file name after the hash
  got=$(sha1sum "$tmp" | cut -c1-40)
  if [ "$want" != "$got" ]; then
    echo "error: SHA-1 mismatch for $1: Maven Central says $want, got $got" >&2; rm -f "$tmp" "$tmp.sha1"; return 1
  fi
  echo "$want" >"$jar.sha1"; mv "$tmp" "$jar"; rm -f "$tmp.sha1"
  echo "fetched $1" >&2
  echo "$jar"
}

fetch_set() { # list -> classpath
  local cp="" gav jar
  for gav in $1; do jar=$(fetch_one "$gav") || return 1; cp="${cp:+$cp:}$jar"; done
  echo "$cp"
}

CP_MAIN=$(fetch_set "$MAIN") || exit 1
echo "$CP_MAIN" >"$CACHE/compose.classpath"
OUT="$CP_MAIN"
if [ "$WITH_TEST" = 1 ]; then
  CP_TEST=$(fetch_set "$TEST") || exit 1
  echo "$CP_MAIN:$CP_TEST" >"$CACHE/compose-test.classpath"
  OUT="$CP_MAIN:$CP_TEST"
fi
if [ "$PRINT" = 1 ]; then echo "$OUT"; fi
