"""project.yml, the Info.plists and the entitlements, as far as Linux can tell.

- project.yml is YAML (PyYAML) with the targets docs/ios.md and the README name
  (Loyalty, NotificationService, LoyaltyAppTests), each source folder it lists
  exists, the package it uses is this folder's Package.swift, and the Info.plist
  and entitlements it names are the files checked below;
- every .plist and .entitlements file loads with plistlib;
- the app and the extension share the app group and the keychain group, the app
  has aps-environment and remote-notification, the extension is a notification
  service whose principal class exists in its sources.
"""
import os
import plistlib
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"Loyalty": "application", "NotificationService": "app-extension", "LoyaltyAppTests": "bundle.unit-test"}


def fail(msg):
    sys.exit(f"error: {msg}")


def load_plist(rel):
    path = os.path.join(ROOT, rel)
    try:
        with open(path, "rb") as f:
            return plistlib.load(f)
    except Exception as e:  # noqa: BLE001 - any failure to load is the finding
        fail(f"{rel}: not a property list ({e})")


def main():
    with open(os.path.join(ROOT, "project.yml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    if not isinstance(spec, dict) or "targets" not in spec:
        fail("project.yml: no targets")
    targets = spec["targets"]
    for name, kind in TARGETS.items():
        if name not in targets:
            fail(f"project.yml: no target {name}")
        if targets[name].get("type") != kind:
            fail(f"project.yml: {name} is {targets[name].get('type')!r}, not {kind}")
    packages = spec.get("packages", {})
    if packages.get("LoyaltyCore", {}).get("path") != "." or not os.path.isfile(os.path.join(ROOT, "Package.swift")):
        fail("project.yml: the LoyaltyCore package must be this folder's Package.swift")
    package_swift = open(os.path.join(ROOT, "Package.swift"), encoding="utf-8").read()
    plists, entitlements = {}, {}
    for name, target in targets.items():
        for source in target.get("sources", []):
            path = source["path"] if isinstance(source, dict) else source
            if not os.path.isdir(os.path.join(ROOT, path)):
                fail(f"project.yml: {name} lists the missing folder {path}")
        for dep in target.get("dependencies", []):
            if "package" in dep and f'.library(name: "{dep["product"]}"' not in package_swift:
                fail(f"project.yml: {name} uses the product {dep['product']}, which Package.swift does not declare")
            if "target" in dep and dep["target"] not in targets:
                fail(f"project.yml: {name} depends on the unknown target {dep['target']}")
        settings = target.get("settings", {}).get("base", {})
        if "INFOPLIST_FILE" in settings:
            plists[name] = load_plist(settings["INFOPLIST_FILE"])
        if "CODE_SIGN_ENTITLEMENTS" in settings:
            entitlements[name] = load_plist(settings["CODE_SIGN_ENTITLEMENTS"])
    for scheme in spec.get("schemes", {}).values():
        for t in scheme.get("test", {}).get("targets", []):
            if isinstance(t, dict) and "package" in t:
                pkg, _, test_target = t["package"].partition("/")
                if pkg not in packages or not re.search(rf'\.testTarget\(\s*name:\s*"{test_target}"', package_swift):
                    fail(f"project.yml: the scheme tests {t['package']}, which Package.swift does not declare")
            elif isinstance(t, str) and t not in targets:
                fail(f"project.yml: the scheme tests the unknown target {t}")
    # Every property list under ios/ loads.
    count = 0
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in (".build", "Xcode", "checks")]
        for fn in filenames:
            if fn.endswith((".plist", ".entitlements")):
                load_plist(os.path.relpath(os.path.join(dirpath, fn), ROOT))
                count += 1
    app, ext = plists["Loyalty"], plists["NotificationService"]
    app_ent, ext_ent = entitlements["Loyalty"], entitlements["NotificationService"]
    if app_ent.get("aps-environment") not in ("development", "production"):
        fail("the app's entitlements have no aps-environment (push)")
    if "remote-notification" not in app.get("UIBackgroundModes", []):
        fail("the app's Info.plist has no remote-notification background mode")
    groups = app_ent.get("com.apple.security.application-groups", [])
    if not groups or groups != ext_ent.get("com.apple.security.application-groups"):
        fail("the app and the extension must share the same app group")
    if not app_ent.get("keychain-access-groups") or app_ent.get("keychain-access-groups") != ext_ent.get("keychain-access-groups"):
        fail("the app and the extension must share the same keychain access group")
    for name, info in (("app", app), ("extension", ext)):
        if info.get("LoyaltyAppGroup") != groups[0]:
            fail(f"the {name}'s Info.plist LoyaltyAppGroup is not the entitlements' app group")
        if info.get("LoyaltyKeychainGroup") != app_ent["keychain-access-groups"][0]:
            fail(f"the {name}'s Info.plist LoyaltyKeychainGroup is not the entitlements' keychain group")
    base_settings = spec.get("settings", {}).get("base", {})
    for var in re.findall(r"\$\((\w+)\)", groups[0] + app_ent["keychain-access-groups"][0]):
        if var != "AppIdentifierPrefix" and var not in base_settings:
            fail(f"project.yml does not set {var}, which the entitlements use")
    extension = ext.get("NSExtension", {})
    if extension.get("NSExtensionPointIdentifier") != "com.apple.usernotifications.service":
        fail("the extension's Info.plist is not a notification service extension")
    principal = extension.get("NSExtensionPrincipalClass", "").split(".")[-1]
    sources = "".join(open(os.path.join(ROOT, "NotificationService", f), encoding="utf-8").read()
                      for f in os.listdir(os.path.join(ROOT, "NotificationService")) if f.endswith(".swift"))
    if not re.search(rf"class {principal}\s*:\s*UNNotificationServiceExtension", sources):
        fail(f"NotificationService/ has no class {principal}: UNNotificationServiceExtension")
    group = re.sub(r"\$\((\w+)\)", lambda m: str(base_settings.get(m.group(1), m.group(0))), groups[0])
    print(f"project.yml: targets {', '.join(TARGETS)}; {count} property lists load; app group {group} and the keychain "
          f"group shared by the app and the extension; push entitlement and background mode set")


if __name__ == "__main__":
    main()
