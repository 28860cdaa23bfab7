#!/usr/bin/env bash
# Checks of the Android code that need no Android SDK (docs/android-app.md):
#  1. aapt: the app's manifest and resources, and loyalty-core's manifest,
#     compiled against the framework's resources (Debian's aapt and
#     android-framework-res, API 29; the few newer manifest attributes are
#     listed below, taken out for aapt and checked against API 36 in step 4);
#  2. Gradle: every `libs.…` in a build script is in the version catalog,
#     every version.ref names a version, every project(":…") is included and
#     every included module has a build script;
#  3. ktlint over every Kotlin file of the repository (generated code and
#     build outputs excepted), style from android/.editorconfig;
#  4. the Android API the app calls: every class and member listed below must
#     exist with that Java signature in the Android API 36 stubs (PyPI
#     chaquopy-stubs-android, and the androidx stubs of activity, core and
#     lifecycle); every android.*/androidx.* import of the app must be
#     listed, and every listed member must still be used.
# With --compile, also (slower: cargo, kotlinc, ~280 MB of jars on first use):
#  5. the app's Kotlin compiled with -Werror against the real classes of
#     Android 16 (API 36; Robolectric's android-all from Maven Central), of
#     the AndroidX, Compose and Firebase libraries it calls, and of :ui,
#     :presentation and the bindings; then against Android 7.0 (API 24, the
#     minSdk), where only the names listed as guarded by an SDK_INT check may
#     be missing; the app's unit tests run, and FCM data maps encoded by
#     PushPayload go through the real library's ingestPush.
# Downloads (hash-pinned) are cached under ~/.cache/loyalty-android-check.
# Exits non-zero on any error.
#
#   scripts/check-android.sh [--compile]
set -euo pipefail
COMPILE=0
for a in "$@"; do case "$a" in
  --compile) COMPILE=1 ;;
  *) echo "usage: $0 [--compile]" >&2; exit 2 ;;
esac; done
cd "$(dirname "$0")/.."
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-android-check"
mkdir -p "$CACHE"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
step() { printf '\n==> %s\n' "$*"; }
FAILED=() # steps that failed but let the next ones run
APP=android/app

# Manifest attributes newer than aapt's API 29, with the API that added them.
NEWER_ATTRS="dataExtractionRules:31 localeConfig:33"

need_apt() { # package... : installs Debian packages, or says how
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else
      echo "error: ${missing[*]} missing: run 'apt-get install ${missing[*]}' as root" >&2; return 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "error: ${missing[*]} missing and no apt-get here (Debian/Ubuntu packages)" >&2; return 1; }
  echo "installing ${missing[*]}..."
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { $sudo_cmd apt-get update -qq >/dev/null 2>&1 || true; $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null; }
}

fetch() { # url sha256 file : a cached download, checked
  local url="$1" sum="$2" out="$3"
  if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --quiet - 2>/dev/null; then return 0; fi
  curl -fsSL --retry 3 --connect-timeout 20 -o "$out.part" "$url" || { echo "error: cannot fetch $url" >&2; return 1; }
  echo "$sum  $out.part" | sha256sum -c --quiet - || { echo "error: $url does not have the pinned SHA-256" >&2; rm -f "$out.part"; return 1; }
  mv "$out.part" "$out"
}

step "aapt: manifests and resources"
need_apt aapt android-framework-res
FRAMEWORK=$(dpkg -L android-framework-res | grep '/framework-res\.apk$' | head -1)
[ -f "$FRAMEWORK" ] || { echo "error: framework-res.apk not found in android-framework-res" >&2; exit 1; }
namespace_of() { sed -nE 's/^[[:space:]]*namespace = "([^"]+)".*/\1/p' "$1/build.gradle.kts" | head -1; }
# aapt wants the package attribute, which AGP takes from `namespace` instead.
aapt_manifest() { # module out: the module's manifest as aapt reads it (same lines, so errors point right)
  local ns; ns=$(namespace_of "$1")
  [ -n "$ns" ] || { echo "error: no namespace in $1/build.gradle.kts" >&2; return 1; }
  local strip=(-e "s/<manifest /<manifest package=\"$ns\" /") a
  for a in $NEWER_ATTRS; do strip+=(-e "s/[[:space:]]android:${a%%:*}=\"[^\"]*\"//"); done
  sed "${strip[@]}" "$1/src/main/AndroidManifest.xml" >"$2"
}
aapt_run() { # module tmp-manifest aapt-args... : aapt, its messages naming the real manifest
  local module="$1" tmp="$2"; shift 2
  aapt package -f --min-sdk-version 24 -M "$tmp" -I "$FRAMEWORK" "$@" 2> >(sed "s|$tmp|$module/src/main/AndroidManifest.xml|g" >&2)
}
mkdir -p "$WORK/app/gen" "$WORK/core"
aapt_manifest "$APP" "$WORK/app/AndroidManifest.xml"
aapt_run "$APP" "$WORK/app/AndroidManifest.xml" --auto-add-overlay -S "$APP/src/main/res" -J "$WORK/app/gen" -F "$WORK/app/resources.apk"
echo "app: manifest and $(find "$APP/src/main/res" -type f | wc -l) resource files compile"
aapt_manifest android/loyalty-core "$WORK/core/AndroidManifest.xml"
aapt_run android/loyalty-core "$WORK/core/AndroidManifest.xml" -F "$WORK/core/core.apk"
echo "loyalty-core: manifest compiles"
for a in $NEWER_ATTRS; do
  name=${a%%:*}
  grep -q "android:$name=\"" "$APP/src/main/AndroidManifest.xml" || { echo "error: NEWER_ATTRS lists $name, which the manifest no longer uses" >&2; exit 1; }
done

step "Gradle: the version catalog, its uses and the module graph"
python3 - android <<'PY' || FAILED+=(Gradle)
import glob, os, re, sys, tomllib

root = sys.argv[1]
cat = tomllib.load(open(os.path.join(root, "gradle/libs.versions.toml"), "rb"))
norm = lambda alias: re.sub(r"[-_]", ".", alias)
versions = set(cat.get("versions", {}))
errors = []
accessors = {"versions." + v for v in versions}
for section, prefix in (("libraries", ""), ("plugins", "plugins."), ("bundles", "bundles.")):
    for alias, spec in cat.get(section, {}).items():
        accessors.add(prefix + norm(alias))
        if isinstance(spec, dict):
            ref = (spec.get("version") or {}).get("ref") if isinstance(spec.get("version"), dict) else spec.get("version.ref")
            if ref is not None and ref not in versions:
                errors.append(f"catalog {section}.{alias}: version.ref {ref} is not a version")
            if section == "libraries" and "module" in spec and spec["module"].count(":") != 1:
                errors.append(f"catalog libraries.{alias}: module {spec['module']} is not group:artifact")
scripts = sorted(glob.glob(os.path.join(root, "**/*.gradle.kts"), recursive=True))
scripts = [p for p in scripts if "/build/" not in p]
settings = open(os.path.join(root, "settings.gradle.kts"), encoding="utf-8").read()
included = set(re.findall(r'include\("(:[\w-]+)"\)', settings))
for p in scripts:
    text = open(p, encoding="utf-8").read()
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split("//")[0]
        for ref in re.findall(r"\blibs\.([A-Za-z0-9_.]+)", code):
            ref = re.sub(r"\.(get|asProvider)$", "", ref)
            if ref not in accessors:
                errors.append(f"{p}:{n}: libs.{ref} is not in gradle/libs.versions.toml")
        for proj in re.findall(r'project\("(:[\w-]+)"\)', code):
            if proj not in included:
                errors.append(f"{p}:{n}: project {proj} is not included in settings.gradle.kts")
for proj in sorted(included):
    if not os.path.exists(os.path.join(root, proj[1:], "build.gradle.kts")):
        errors.append(f"settings.gradle.kts includes {proj}, which has no build.gradle.kts")
for e in errors: print("error: " + e, file=sys.stderr)
if errors: sys.exit(1)
print(f"{len(accessors)} catalog entries; {len(scripts)} build scripts refer only to them and to the {len(included)} included modules")
PY

step "ktlint: every Kotlin file"
KTLINT_VERSION=1.8.0
KTLINT="$CACHE/ktlint-cli-$KTLINT_VERSION-all.jar"
fetch "https://repo1.maven.org/maven2/com/pinterest/ktlint/ktlint-cli/$KTLINT_VERSION/ktlint-cli-$KTLINT_VERSION-all.jar" \
  369ad2b789f95a011f807e1fcb690ccef80bd7cd014fd139e73ae82dcc0baeab "$KTLINT"
# android/ takes its style from android/.editorconfig, tests/kotlin from ktlint's defaults (the same style).
if java -jar "$KTLINT" --relative "android/**/*.kt" "tests/**/*.kt" "!**/build/**" "!**/generated/**"; then
  echo "ktlint: no errors"
else
  FAILED+=(ktlint)
fi

step "Android API the app calls (API 36 stubs)"
STUBS="$CACHE/stubs"
mkdir -p "$STUBS"
cat >"$WORK/stubs.txt" <<'REQ'
chaquopy-stubs-android==36.20260406 --hash=sha256:5e18511ccb7ae519d8c4643408cf16262fa5f20eb1d1a7e97cfe28de16e12008
chaquopy-stubs-androidx-activity-activity==1.13.0.20260401 --hash=sha256:4d8158d1969d7bcd2f5aeb95b69dc32a517d173a481d40e31d5d1a941e0c3882
chaquopy-stubs-androidx-core-core==1.18.0.20260401 --hash=sha256:dd214f36ee292910287eefaf8283986f6498a724ad28dc0a79674b352f8651a0
chaquopy-stubs-androidx-lifecycle-lifecycle-common==2.7.0.20260401 --hash=sha256:46ec3c66eb00642fa4b94d2bbdcf694089af5e3a2c9adfd22576ea817476c455
chaquopy-stubs-androidx-lifecycle-lifecycle-runtime==2.7.0.20260401 --hash=sha256:35aca585e1836efc61576697c10ee0e965c0e0e0dafb0ddf1a7d89cc10d205bd
REQ
if [ "$(find "$STUBS" -name '*.whl' | wc -l)" -lt 5 ]; then
  python3 -m pip download --quiet --no-deps --require-hashes -r "$WORK/stubs.txt" -d "$STUBS" ||
    { echo "error: cannot fetch the Android API stubs from PyPI (pip download)" >&2; exit 1; }
fi
# Java signatures, simple type names; `.NAME` is a field; `=name` when Kotlin calls
# it by another name (or through that call, as a lambda for a Java interface).
# Kotlin properties are the Java getters and setters.
cat >"$WORK/api.txt" <<'API'
android.Manifest.permission .POST_NOTIFICATIONS
android.app.Activity getWindow()
android.app.Activity getIntent()
android.app.Activity setIntent(Intent)
android.app.Activity getApplication()
android.app.Application onCreate()
android.app.PendingIntent getActivity(Context,int,Intent,int)
android.app.PendingIntent .FLAG_IMMUTABLE
android.app.PendingIntent .FLAG_UPDATE_CURRENT
android.app.Service getApplication()
android.content.Context getApplicationContext()
android.content.Context getNoBackupFilesDir()
android.content.Context getString(int)
android.content.Context getResources()
android.content.Intent <init>(String,Uri,Context,Class)
android.content.Intent .ACTION_VIEW
android.content.Intent .FLAG_ACTIVITY_SINGLE_TOP
android.content.Intent addFlags(int)
android.content.Intent getAction()
android.content.Intent getDataString()
android.content.pm.PackageManager .PERMISSION_GRANTED
android.content.res.Configuration getLocales()
android.content.res.Resources getConfiguration()
android.net.Uri parse(String)
android.nfc.NfcAdapter getDefaultAdapter(Context)
android.nfc.NfcAdapter enableReaderMode(Activity,ReaderCallback,int,Bundle)
android.nfc.NfcAdapter disableReaderMode(Activity)
android.nfc.NfcAdapter .FLAG_READER_NFC_A
android.nfc.NfcAdapter .FLAG_READER_NFC_B
android.nfc.NfcAdapter .FLAG_READER_NFC_F
android.nfc.NfcAdapter .FLAG_READER_NFC_V
android.nfc.NfcAdapter .FLAG_READER_NFC_BARCODE
android.nfc.NfcAdapter .FLAG_READER_SKIP_NDEF_CHECK
android.nfc.NfcAdapter .FLAG_READER_NO_PLATFORM_SOUNDS
android.nfc.NfcAdapter.ReaderCallback onTagDiscovered(Tag) =enableReaderMode
android.os.Build.VERSION .SDK_INT
android.os.Build.VERSION_CODES .TIRAMISU
android.os.Build.VERSION_CODES .P
android.os.Bundle
android.os.LocaleList get(int)
android.security.keystore.KeyGenParameterSpec.Builder <init>(String,int)
android.security.keystore.KeyGenParameterSpec.Builder setBlockModes(String...)
android.security.keystore.KeyGenParameterSpec.Builder setEncryptionPaddings(String...)
android.security.keystore.KeyGenParameterSpec.Builder setKeySize(int)
android.security.keystore.KeyGenParameterSpec.Builder build()
android.security.keystore.KeyGenParameterSpec.Builder setAlgorithmParameterSpec(AlgorithmParameterSpec)
android.security.keystore.KeyGenParameterSpec.Builder setDigests(String...)
android.security.keystore.KeyGenParameterSpec.Builder setUserAuthenticationRequired(boolean)
android.security.keystore.KeyGenParameterSpec.Builder setIsStrongBoxBacked(boolean)
android.security.keystore.KeyProperties .KEY_ALGORITHM_AES
android.security.keystore.KeyProperties .KEY_ALGORITHM_EC
android.security.keystore.KeyProperties .PURPOSE_SIGN
android.security.keystore.KeyProperties .DIGEST_SHA256
android.security.keystore.StrongBoxUnavailableException
android.security.keystore.KeyProperties .PURPOSE_ENCRYPT
android.security.keystore.KeyProperties .PURPOSE_DECRYPT
android.security.keystore.KeyProperties .BLOCK_MODE_GCM
android.security.keystore.KeyProperties .ENCRYPTION_PADDING_NONE
android.util.Log println(int,String,String)
android.util.Log i(String,String)
android.util.Log w(String,String)
android.util.Log .VERBOSE
android.util.Log .DEBUG
android.util.Log .INFO
android.util.Log .WARN
android.util.Log .ERROR
android.view.Window getAttributes()
android.view.Window setAttributes(LayoutParams)
android.view.Window addFlags(int)
android.view.Window clearFlags(int)
android.view.WindowManager.LayoutParams .screenBrightness
android.view.WindowManager.LayoutParams .BRIGHTNESS_OVERRIDE_FULL
android.view.WindowManager.LayoutParams .BRIGHTNESS_OVERRIDE_NONE
android.view.WindowManager.LayoutParams .FLAG_KEEP_SCREEN_ON
android.view.WindowManager.LayoutParams .FLAG_SECURE
androidx.activity.ComponentActivity onCreate(Bundle)
androidx.activity.ComponentActivity onNewIntent(Intent)
androidx.activity.ComponentActivity registerForActivityResult(ActivityResultContract,ActivityResultCallback)
androidx.activity.ComponentActivity getLifecycle()
androidx.activity.EdgeToEdge enable(ComponentActivity) =enableEdgeToEdge
androidx.activity.result.ActivityResultLauncher launch(I)
androidx.activity.result.contract.ActivityResultContracts.RequestPermission <init>()
androidx.core.app.NotificationChannelCompat.Builder <init>(String,int)
androidx.core.app.NotificationChannelCompat.Builder setName(CharSequence)
androidx.core.app.NotificationChannelCompat.Builder setDescription(String)
androidx.core.app.NotificationChannelCompat.Builder build()
androidx.core.app.NotificationCompat .CATEGORY_PROMO
androidx.core.app.NotificationCompat.BigTextStyle <init>()
androidx.core.app.NotificationCompat.BigTextStyle bigText(CharSequence)
androidx.core.app.NotificationCompat.Builder <init>(Context,String)
androidx.core.app.NotificationCompat.Builder setSmallIcon(int)
androidx.core.app.NotificationCompat.Builder setContentTitle(CharSequence)
androidx.core.app.NotificationCompat.Builder setContentText(CharSequence)
androidx.core.app.NotificationCompat.Builder setStyle(Style)
androidx.core.app.NotificationCompat.Builder setContentIntent(PendingIntent)
androidx.core.app.NotificationCompat.Builder setAutoCancel(boolean)
androidx.core.app.NotificationCompat.Builder setCategory(String)
androidx.core.app.NotificationCompat.Builder build()
androidx.core.app.NotificationManagerCompat from(Context)
androidx.core.app.NotificationManagerCompat .IMPORTANCE_DEFAULT
androidx.core.app.NotificationManagerCompat createNotificationChannel(NotificationChannelCompat)
androidx.core.app.NotificationManagerCompat areNotificationsEnabled()
androidx.core.app.NotificationManagerCompat notify(String,int,Notification)
androidx.core.app.NotificationManagerCompat cancel(String,int)
androidx.core.content.ContextCompat checkSelfPermission(Context,String)
androidx.lifecycle.DefaultLifecycleObserver onResume(LifecycleOwner)
androidx.lifecycle.DefaultLifecycleObserver onPause(LifecycleOwner)
androidx.lifecycle.Lifecycle addObserver(LifecycleObserver)
androidx.lifecycle.LifecycleOwner
androidx.lifecycle.Lifecycle getCurrentStateFlow()
androidx.lifecycle.Lifecycle.State isAtLeast(State)
androidx.lifecycle.Lifecycle.State .STARTED
API
# Imports from libraries with no stubs: checked by the real build only.
UNCHECKED="androidx.work. com.google.firebase. androidx.activity.compose. androidx.compose. androidx.lifecycle.lifecycleScope"
python3 - "$STUBS" "$WORK/api.txt" "$APP/src/main/kotlin" "$NEWER_ATTRS" "$UNCHECKED" <<'PY' || FAILED+=("Android API")
import glob, os, re, sys, zipfile

stubs_dir, api_file, src_dir, newer, unchecked = sys.argv[1:6]
wheels = [zipfile.ZipFile(p) for p in sorted(glob.glob(os.path.join(stubs_dir, "*.whl")))]
# module ("android.view") -> [stub texts]; androidx.lifecycle comes in two wheels.
files = {}
for w in wheels:
    for name in w.namelist():
        if name.endswith("/__init__.pyi") and name.split("/")[0].endswith("-stubs"):
            parts = name[: -len("/__init__.pyi")].split("/")
            parts[0] = parts[0][: -len("-stubs")]
            files.setdefault(".".join(parts), []).append((w, name))

PRIMS = {"jint": "int", "jlong": "long", "jboolean": "boolean", "jfloat": "float", "jdouble": "double",
         "jbyte": "byte", "jchar": "char", "jshort": "short"}

def split_top(s, sep=","):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[(": depth += 1
        elif ch in "])": depth -= 1
        if ch == sep and depth == 0:
            out.append(cur); cur = ""
        else:
            cur += ch
    if cur.strip(): out.append(cur)
    return [x.strip() for x in out]

def simple(t):
    t = t.strip()
    if t.startswith("typing.Type["): return "Class"
    m = re.match(r"java\.chaquopy\.JavaArray\[(.*)\]$", t)
    if m: return simple(m.group(1)) + "[]"
    alts = [a.strip() for a in split_top(t, "|") if a.strip() != "None"]
    for a in alts:
        m = re.match(r"java\.(j\w+)$", a)
        if m and m.group(1) in PRIMS: return PRIMS[m.group(1)]
    for a in alts:
        if a.startswith("java.lang.") and a.split(".")[-1] in ("String", "CharSequence"): return a.split(".")[-1]
    a = re.sub(r"\[.*\]$", "", alts[0]) if alts else t
    return a.split(".")[-1]

classes = {}  # "android.view.WindowManager.LayoutParams" -> {"bases": [...], "members": {name: [sig...]}, "fields": set()}
loaded = set()

def load(module):
    if module in loaded: return
    loaded.add(module)
    for w, name in files.get(module, []):
        stack = []  # (indent, fqn)
        for line in w.read(name).decode("utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("@"): continue
            indent = len(line) - len(line.lstrip())
            while stack and stack[-1][0] >= indent: stack.pop()
            m = re.match(r"\s*class (\w+)(?:\((.*)\))?:", line)
            if m:
                fqn = (stack[-1][1] if stack else module) + "." + m.group(1)
                c = classes.setdefault(fqn, {"bases": [], "members": {}, "fields": set(), "module": module})
                c["bases"] += [re.sub(r"\[.*\]$", "", b) for b in split_top(m.group(2) or "")]
                stack.append((indent, fqn))
                continue
            if not stack: continue
            owner = classes[stack[-1][1]]
            m = re.match(r"\s*def (\w+)\((.*)\) -> .*: \.\.\.", line)
            if m:
                params = []
                for p in split_top(m.group(2)):
                    if p in ("self", "/", "*") : continue
                    name_, _, typ = p.partition(":")
                    if not typ: continue
                    params.append(simple(typ) + ("..." if name_.startswith("*") else ""))
                owner["members"].setdefault(m.group(1), []).append(params)
                continue
            m = re.match(r"\s*(\w+): ", line)
            if m: owner["fields"].add(m.group(1))

def find_class(fqn):
    parts = fqn.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:i])
        if module in files:
            load(module)
            return classes.get(fqn)
    return None

def resolve_base(base, c):
    if base.count(".") == 0 or base.split(".")[0][0].isupper():  # same module, maybe nested ("Context", "NfcAdapter.ReaderCallback")
        return c["module"] + "." + base
    return base

def lookup(fqn, kind, name, seen=None):
    seen = seen if seen is not None else set()
    if fqn in seen: return []
    seen.add(fqn)
    c = find_class(fqn)
    if c is None: return []
    found = [("field",)] if kind == "field" and name in c["fields"] else []
    # Python keywords get a trailing underscore in the stubs (NotificationManagerCompat.from_).
    if kind == "method": found = c["members"].get(name, []) or c["members"].get(name + "_", [])
    if kind == "init": found = c["members"].get("__init__", [])
    if found or kind == "init": return found
    for b in c["bases"]:
        found = lookup(resolve_base(b, c), kind, name, seen)
        if found: return found
    return []

sources = ""
for root, _, names in os.walk(src_dir):
    for n in names:
        if n.endswith(".kt"): sources += open(os.path.join(root, n), encoding="utf-8").read()

errors, listed, checked = [], set(), 0
for raw in open(api_file, encoding="utf-8"):
    line = raw.strip()
    if not line: continue
    fqn, _, rest = line.partition(" ")
    listed.add(fqn)
    alias = None
    if " =" in rest:
        rest, _, alias = rest.partition(" =")
        # A Kotlin top-level function (enableEdgeToEdge) is imported by its own name.
        listed.add(fqn.rsplit(".", 1)[0] + "." + alias)
    rest = rest.strip()
    if find_class(fqn) is None:
        errors.append(f"{fqn}: no such class in the stubs"); continue
    checked += 1
    if not rest: continue
    if rest.startswith("."):
        name = rest[1:]
        if not lookup(fqn, "field", name): errors.append(f"{fqn}.{name}: no such field")
        used = name
    else:
        m = re.match(r"([\w<>]+)\((.*)\)$", rest)
        name, want = m.group(1), [p.strip() for p in m.group(2).split(",") if p.strip()]
        kind = "init" if name == "<init>" else "method"
        sigs = lookup(fqn, kind, name)
        # A generic parameter (launch(I)) matches any type.
        ok = any(len(s) == len(want) and all(w == g or len(w) == 1 for w, g in zip(want, s)) for s in sigs)
        if not ok:
            have = "; ".join("(" + ",".join(s) + ")" for s in sigs) or "none"
            errors.append(f"{fqn}.{name}({','.join(want)}): not in the stubs (there: {have})")
        used = fqn.split(".")[-1] if kind == "init" else name
        if kind == "method" and re.match(r"(get|is|set)[A-Z]", name):
            prop = re.sub(r"^(get|is|set)", "", name)
            used = f"(?:{name}|{prop[0].lower()}{prop[1:]})"
    used = alias or used
    if not re.search(r"\b" + used + r"\b", sources):
        errors.append(f"{line}: listed but no longer used by the app (remove it)")

# Every android*/androidx import of the app is listed (or from a library without stubs).
skip = unchecked.split()
for imp in sorted(set(re.findall(r"^import ((?:android|androidx)\.[\w.]+)", sources, re.M))):
    if any(imp.startswith(s) for s in skip): continue
    if not any(l == imp or l.startswith(imp + ".") for l in listed):
        errors.append(f"import {imp}: not in the API list of scripts/check-android.sh")

for a in newer.split():
    name, api = a.split(":")
    if not lookup("android.R.attr", "field", name):
        errors.append(f"manifest attribute android:{name} (API {api}): not an attribute of API 36")

for e in errors: print("error: " + e, file=sys.stderr)
if errors: sys.exit(f"{len(errors)} Android API problem(s)")
print(f"{checked} API entries exist with their signatures; every android/androidx import is listed")
PY

if [ "$COMPILE" = 1 ]; then
  step "compile the app against Android 16 (API 36) and the libraries it calls"
  source scripts/target-dir.sh
  cargo build -q -j 1 -p loyalty-ffi
  cargo build -q -j 1 -p loyalty-ffi --features cli --bin uniffi-bindgen
  LIB="$TARGET_DIR/debug/libloyalty_ffi.so"
  "$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language kotlin --no-format --out-dir "$WORK/bindings" >/dev/null
  source scripts/android-env.sh
  JARS="$CACHE/compile"
  mkdir -p "$JARS/classes"
  # group:artifact:version:type sha256 — what the app's own code calls (and their supertypes).
  while read -r gav sum; do
    IFS=: read -r g a v t <<<"$gav"
    f="$JARS/$a-$v.$t"
    fetch "https://repo1.maven.org/maven2/${g//.//}/$a/$v/$a-$v.$t" "$sum" "$f"
    case "$t" in
      aar) [ -f "$JARS/classes/$a-$v.jar" ] || unzip -p "$f" classes.jar >"$JARS/classes/$a-$v.jar" ;;
      jar) case "$a" in android-all) ;; *) cp -f "$f" "$JARS/classes/" ;; esac ;;
    esac
  done <<'JARS'
org.robolectric:android-all:16-robolectric-13921718:jar 8b74a0a137330658d2f33f0dc715d42734f74ba8b2d7014fc2e95aa40d3f682d
org.robolectric:android-all:7.0.0_r1-robolectric-r1:jar 567bfa3cd3a8c9c5ca736bd86b3f90ff4d6a7ba333b9cfea6ff7d81924f90ce9
androidx.activity:activity:1.13.0:aar bd4f19a5f00effed0eecad0a310b1f2169b9fc66236a3ba743a222eb77747ee1
androidx.activity:activity-compose:1.13.0:aar 2b5da3033d4924e833868e140c3edfc0c03208710b6b9fb2c9d9a47560ba55fa
androidx.core:core:1.18.0:aar 311d83ac67d394076ec21d12ed2d10a44b59cb2929b7dce00e5a90a93842e37d
androidx.lifecycle:lifecycle-common-jvm:2.11.0:jar e6a66e67b9f63a0fb6344f165c1d872376e5fe6d235bffb138af45122cf452a9
androidx.lifecycle:lifecycle-runtime-android:2.11.0:aar 8711865f8d3603bc05decc03bb42aab2faa8d8bc55b3b12a0a8e516b562b60ca
androidx.lifecycle:lifecycle-runtime-ktx-android:2.11.0:aar 1fead96607f8b4ebd2bc5840c6fcf08b09fc47ceb1665e4b381dce80b19f32a0
androidx.lifecycle:lifecycle-viewmodel-android:2.11.0:aar 509aa5c0711e61a1571024b4f8431dc9aa20960d23cbadb01f21a33fd864352a
androidx.savedstate:savedstate-android:1.4.0:aar 1656ce62cd233d488bdbbd42e533b80b22435b7a690acae6dbe7302392512c14
androidx.navigationevent:navigationevent-android:1.1.1:aar 4d6c49832f7d92cf6c0b8d8f12ff7fc2fc59b9d09862667b89bb867dbc19760d
androidx.work:work-runtime:2.12.0:aar a967c776d2c2ff9a7a541679d2fb51cefdc78d4010fcf68f3fdd4c57c29e89dc
androidx.compose.runtime:runtime-android:1.12.1:aar 1701a61d06d2f6144f2cd8b015abbc5ad6952eacb70c24c208cdfd2bb188dde7
com.google.firebase:firebase-messaging:26.0.1:aar 2f9b97a0f5646d428d53fef82e4ec9568af6bbe3f7c3e4299f399a8751dbef44
com.google.android.gms:play-services-basement:18.9.0:aar c6ed7236b1b3ce0296b508a5c0a09108fd52d83559d35cad2639505cd04ab255
org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2:jar e713f1f874244115a07571065cffa0f24f5e78300e9720fea16de3af1d75fd41
JARS
  ANDROID_36="$JARS/android-all-16-robolectric-13921718.jar"
  ANDROID_24="$JARS/android-all-7.0.0_r1-robolectric-r1.jar"
  LIBS=$(find "$JARS/classes" -name '*.jar' | sort | tr '\n' ':')
  kc() { env -u JAVA_OPTS "$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -jvm-target 17 "$@"; }
  # :ui and what it stands on, for the desktop (their own checks are render-screens.sh's): only their signatures matter here.
  kc "-Xplugin=$COMPOSE_PLUGIN" -classpath "$JNA_JAR:$COMPOSE_CP" -d "$WORK/ui-classes" \
    "$WORK/bindings/app/loyalty/core/loyalty_ffi.kt" android/loyalty-core/src/main/kotlin/app/loyalty/core/*.kt \
    android/presentation/src/main/kotlin/app/loyalty/presentation/*.kt android/ui/src/commonMain/kotlin/app/loyalty/ui/*.kt \
    >"$WORK/ui.log" 2>&1 || { cat "$WORK/ui.log" >&2; echo "error: :ui, :presentation or the bindings do not compile" >&2; exit 1; }
  # What AGP would generate: BuildConfig (R.java came from aapt above).
  mkdir -p "$WORK/buildconfig"
  cat >"$WORK/buildconfig/BuildConfig.java" <<'JAVA'
package app.loyalty.app;

public final class BuildConfig {
  public static final boolean DEBUG = true;
  public static final String APPLICATION_ID = "app.loyalty";
  public static final String BUILD_TYPE = "debug";
  public static final int VERSION_CODE = 1;
  public static final String VERSION_NAME = "0.1.0";
  public static final String LOYALTY_SERVER_URL = "http://127.0.0.1:8080";
}
JAVA
  APP_SOURCES=("$APP"/src/main/kotlin/app/loyalty/app/*.kt "$WORK/app/gen/R.java" "$WORK/buildconfig/BuildConfig.java")
  APP_CP="$LIBS$WORK/ui-classes:$JNA_JAR:$COMPOSE_CP"
  kc -Werror "-Xplugin=$COMPOSE_PLUGIN" -classpath "$ANDROID_36:$APP_CP" -d "$WORK/app-classes" "${APP_SOURCES[@]}" \
    >"$WORK/app.log" 2>&1 || { cat "$WORK/app.log" >&2; echo "error: the app does not compile against API 36" >&2; exit 1; }
  echo "app: compiles against API 36 (-Werror)"

  step "the app against Android 7.0 (API 24, minSdk)"
  # Names newer than API 24 that the app uses only behind a Build.VERSION.SDK_INT check:
  # compile-time constants (inlined, so nothing of them is looked up on older phones),
  # and StrongBox's names, used only in a class loaded behind that check (KeystoreDeviceKeys).
  GUARDED="TIRAMISU POST_NOTIFICATIONS P setIsStrongBoxBacked StrongBoxUnavailableException"
  kc "-Xplugin=$COMPOSE_PLUGIN" -classpath "$ANDROID_24:$APP_CP" -d "$WORK/app-classes-24" "${APP_SOURCES[@]}" >"$WORK/app24.log" 2>&1 || true
  if ! python3 - "$WORK/app24.log" "$GUARDED" <<'PY'
import re, sys
log, guarded = open(sys.argv[1], encoding="utf-8").read(), set(sys.argv[2].split())
errors = [l for l in log.splitlines() if ": error: " in l]
bad = [l for l in errors if not (m := re.search(r"unresolved reference '(\w+)'", l)) or m.group(1) not in guarded]
for l in bad: print(l, file=sys.stderr)
missing = {m.group(1) for l in errors if (m := re.search(r"unresolved reference '(\w+)'", l))}
if bad: sys.exit(f"{len(bad)} use(s) of API newer than 24 that are not listed as guarded")
if missing != guarded: sys.exit(f"GUARDED lists {sorted(guarded - missing)}, which the app no longer uses")
print(f"API 24: everything resolves but the SDK_INT-guarded {', '.join(sorted(missing))}")
PY
  then exit 1; fi

  step "the app's unit tests, and FCM data maps through the real ingestPush"
  cat >"$WORK/PushContract.kt" <<'KT'
package app.loyalty.app

import app.loyalty.core.ClientConfig
import app.loyalty.core.LoyaltyClient
import app.loyalty.core.MemorySecretStore
import app.loyalty.core.PushOutcome
import java.nio.file.Files

/** An offer as FCM delivers it (every value a string), through PushPayload into the core, and its link back. */
fun main() {
    val client =
        LoyaltyClient(
            ClientConfig(
                dataDir = Files.createTempDirectory("push-contract").toString(),
                secretStore = MemorySecretStore(),
                deepLinkScheme = DeepLinks.SCHEME,
            ),
        )
    val id = "autumn/15 \"gold\" осень"
    val data =
        linkedMapOf(
            "kind" to "offer",
            "message_id" to id,
            "title" to "15% off \"everything\"",
            "body" to "Line one\nline two \\ done",
            "coupon_percent" to "15",
            "coupon_valid_days" to "7",
            "pinned" to "true",
            "deep_link" to DeepLinks.offer(id),
        )
    val outcome = client.ingestPush(PushPayload.json(data))
    check(outcome is PushOutcome.New && outcome.messageId == id) { "first copy: $outcome" }
    val stored = client.inbox(false).single { it.id == id }
    check(stored.title == "15% off \"everything\"" && stored.pinned && stored.hasCoupon) { "stored as $stored" }
    check(DeepLinks.messageId(stored.deepLink!!) == id) { "deep link ${stored.deepLink}" }
    check(client.ingestPush(PushPayload.json(data)) is PushOutcome.Duplicate) { "second copy is not a duplicate" }
    check(client.ingestPush(PushPayload.json(mapOf("kind" to "survey", "message_id" to "s-1"))) is PushOutcome.Ignored)
    println("push contract: an FCM data map is ingested, stored, linked back and deduplicated")
}
KT
  RUN_CP="$WORK/check:$WORK/app-classes:$WORK/ui-classes:$CP:$KLIB/kotlin-stdlib.jar"
  kc -Werror -classpath "$WORK/app-classes:$WORK/ui-classes:$CP" -d "$WORK/check" \
    "$WORK/PushContract.kt" "$APP"/src/test/kotlin/app/loyalty/app/*.kt >"$WORK/tests.log" 2>&1 ||
    { cat "$WORK/tests.log" >&2; echo "error: the app's tests do not compile" >&2; exit 1; }
  tests=$(find "$APP/src/test/kotlin" -name '*Test.kt' -exec basename {} .kt \; | sed 's/^/app.loyalty.app./' | tr '\n' ' ')
  # shellcheck disable=SC2086
  java -cp "$RUN_CP" org.junit.runner.JUnitCore $tests | tail -n 3
  java -Djna.library.path="$TARGET_DIR/debug" -cp "$RUN_CP" app.loyalty.app.PushContractKt
fi

echo
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "Android checks FAILED: ${FAILED[*]}" >&2
  exit 1
fi
echo "Android checks passed."
