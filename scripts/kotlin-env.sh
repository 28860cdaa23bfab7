# Sourced by the binding scripts: makes sure kotlinc (npm package
# kotlin-compiler, cached under ~/.cache/loyalty-kotlin), JNA and JUnit 4
# (Debian packages) are present, and sets KOTLINC, KLIB and CP.
KOTLIN_VERSION=2.4.20
KOTLIN_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-kotlin"
if [ ! -x "$KOTLIN_CACHE/package/bin/kotlinc" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "error: kotlinc is fetched with npm (npm pack kotlin-compiler@$KOTLIN_VERSION); install Node.js/npm" >&2; exit 1; }
  mkdir -p "$KOTLIN_CACHE"
  (cd "$KOTLIN_CACHE" && npm pack "kotlin-compiler@$KOTLIN_VERSION" >/dev/null && tar xzf "kotlin-compiler-$KOTLIN_VERSION.tgz") || {
    echo "error: cannot fetch kotlinc (npm pack kotlin-compiler@$KOTLIN_VERSION failed)" >&2; exit 1; }
fi
JAVA_MAJOR=$(java -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p' || true)
if [ -z "$JAVA_MAJOR" ] || [ "$JAVA_MAJOR" -lt 17 ]; then
  echo "error: the Kotlin tests need Java 17 or newer (found: ${JAVA_MAJOR:-none}); apt-get install openjdk-17-jre-headless" >&2; exit 1
fi
if [ ! -f /usr/share/java/jna.jar ] || [ ! -f /usr/share/java/junit4.jar ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java junit4 >/dev/null
  else
    echo "error: JNA and JUnit 4 are needed: apt-get install libjna-java junit4 (as root)" >&2; exit 1
  fi
fi
KOTLINC="$KOTLIN_CACHE/package/bin/kotlinc"
KLIB="$KOTLIN_CACHE/package/lib"
CP="/usr/share/java/jna.jar:$KLIB/kotlinx-coroutines-core-jvm.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest.jar"
