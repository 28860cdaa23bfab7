# Sourced by the app-shell scripts: kotlinc (scripts/kotlin-env.sh), the
# Compose Multiplatform desktop jars with JUnit and coroutines-test from Maven
# Central (scripts/fetch-compose.sh, cached under ~/.cache/loyalty-compose),
# and the fonts skia draws text with. Sets KOTLINC, KLIB, COMPOSE_CP,
# COMPOSE_PLUGIN, SKIKO_DATA and JNA_JAR.
source "$(dirname "${BASH_SOURCE[0]}")/kotlin-env.sh"
COMPOSE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-compose"
"$(dirname "${BASH_SOURCE[0]}")/fetch-compose.sh" --with-test >/dev/null || {
  echo "error: cannot fetch the Compose desktop jars from Maven Central (scripts/fetch-compose.sh)" >&2; exit 1; }
COMPOSE_CP=$(cat "$COMPOSE_CACHE/jars/compose-test.classpath")
COMPOSE_PLUGIN="$KLIB/compose-compiler-plugin.jar"
SKIKO_DATA="$COMPOSE_CACHE/skiko"
JNA_JAR=/usr/share/java/jna.jar
# Skia finds fonts through fontconfig; without any, the first Text fails.
if ! fc-list 2>/dev/null | grep -qi dejavu; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core fontconfig >/dev/null
  else
    echo "error: the screen renders need fonts: apt-get install fonts-dejavu-core fontconfig (as root)" >&2; exit 1
  fi
fi
