"""Localizable.xcstrings: a String Catalog whose texts are Android's.

- valid JSON in Apple's String Catalog shape; every key has English and
  Russian (the Russian-only tier names excepted), every plural has the
  Russian forms one, few, many and other and the English one and other;
- evaluated exactly as Sources/LoyaltyPresentation/Catalog.swift and
  Texts.swift do (the same CLDR rules, the same %@ / %lld / %N$@ filling,
  the same fallbacks), every fixed string and every call of
  tests/presentation/texts.json and every message of errors.json gives the
  text the Kotlin layer gives (the vectors the JVM tests run).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(ROOT, "Sources/LoyaltyPresentation/Resources/Localizable.xcstrings")
VECTORS = os.path.join(os.path.dirname(ROOT), "tests", "presentation")
RU_ONLY = ("tierName.",)


def plural(lang, n):
    a = min(abs(n), 2**63 - 1)
    if lang == "en":
        return "one" if a == 1 else "other"
    d, h = a % 10, a % 100
    if d == 1 and h != 11:
        return "one"
    if 2 <= d <= 4 and not 12 <= h <= 14:
        return "few"
    return "many"


def unit(node):
    return (node.get("stringUnit") or {}).get("value")


def forms(node):
    return {k: unit(v) for k, v in ((node.get("variations") or {}).get("plural") or {}).items()}


class Catalog:
    def __init__(self, doc):
        self.strings = doc["strings"]

    def text(self, key, lang, args=()):
        loc = (self.strings.get(key) or {}).get("localizations", {}).get(lang)
        if loc is None:
            return None
        count = next((a for a in args if isinstance(a, int)), None)
        p = forms(loc)
        if p:
            template = p.get(plural(lang, count or 0)) or p.get("other")
        else:
            template = unit(loc)
        if template is None:
            return None
        for name, sub in (loc.get("substitutions") or {}).items():
            i = sub.get("argNum", 1) - 1
            if not (0 <= i < len(args)) or not isinstance(args[i], int):
                return None
            sp = forms(sub)
            chosen = sp.get(plural(lang, args[i])) or sp.get("other")
            if chosen is None:
                return None
            template = template.replace("%#@" + name + "@", chosen.replace("%arg", str(args[i])))
        return fill(template, args)


def fill(template, args):
    out, nxt, i = "", 0, 0
    while i < len(template):
        c = template[i]
        i += 1
        if c != "%" or i >= len(template):
            out += c
            continue
        if template[i] == "%":
            out += "%"
            i += 1
            continue
        m = re.match(r"(\d+)\$", template[i:])
        position = None
        if m:
            position = int(m.group(1))
            i += len(m.group(0))
        spec = next((s for s in ("lld", "ld", "d", "@") if template.startswith(s, i)), None)
        if spec is None:
            out += c
            continue
        i += len(spec)
        index = position - 1 if position else nxt
        if position is None:
            nxt += 1
        if 0 <= index < len(args):
            out += str(args[index])
    return out


def cap(s):
    return s[:1].upper() + s[1:]


def texts_call(cat, lang, fn, a):
    """Texts.swift's functions, over the catalogue."""
    def f(key, *args):
        return cat.text(key, lang, list(args)) or key

    def s(key):
        return cat.text(key, lang) or key
    if fn == "cardCodeDescription":
        return s("cardCodeDescription.static") if a[0] is None or a[1] is None else f(fn, a[0], a[1])
    if fn == "historyKind":
        return cat.text("historyKind." + a[0], lang) or s("historyKind.other")
    if fn == "tierName":
        return cat.text("tierName." + a[0], lang) or cap(a[0])
    if fn == "discountSource":
        return cat.text("discountSource." + a[0], lang) or a[0]
    if fn == "boardPeriod":
        return cat.text("boardPeriod." + a[0], lang) or a[0]
    if fn == "challengeStatus":
        return cat.text("challengeStatus." + a[0], lang) or a[0]
    if fn == "badgeLevel":
        if a[1] <= 1:
            return s("badgeLevel.earned" if a[0] > 0 else "badgeLevel.notEarned")
        return f(fn, a[0], a[1])
    return f(fn, *a)


def main():
    try:
        doc = json.load(open(CATALOG, encoding="utf-8"))
    except ValueError as e:
        sys.exit(f"{CATALOG}: not JSON ({e})")
    if doc.get("sourceLanguage") != "en" or not isinstance(doc.get("strings"), dict) or "version" not in doc:
        sys.exit(f"{CATALOG}: not a String Catalog (sourceLanguage, strings, version)")
    problems, plurals = [], 0
    for key, entry in doc["strings"].items():
        locs = entry.get("localizations", {})
        for lang in ("en", "ru"):
            if lang == "en" and key.startswith(RU_ONLY):
                continue
            loc = locs.get(lang)
            if loc is None:
                problems.append(f"{key}: no {lang}")
                continue
            variants = [loc] + list((loc.get("substitutions") or {}).values())
            for v in variants:
                p = forms(v)
                if not p and v is loc and unit(loc) is None:
                    problems.append(f"{key}/{lang}: no value")
                if p:
                    plurals += lang == "ru"
                    want = {"one", "few", "many", "other"} if lang == "ru" else {"one", "other"}
                    if set(p) != want or not all(p.values()):
                        problems.append(f"{key}/{lang}: plural forms {sorted(p)}, want {sorted(want)}")
    # Every key the Swift Texts and ErrorTexts read — literal s("…") / f("…")
    # keys and the literal part of catalog.text("prefix." + …) lookups —
    # must be in the catalogue: a misspelt key would show the raw key.
    keys_used = 0
    for name in ("Texts.swift", "ErrorTexts.swift"):
        path = os.path.join(ROOT, "Sources", "LoyaltyPresentation", name)
        source = open(path, encoding="utf-8").read()
        for m in re.finditer(r'\b(?:s|f)\("([A-Za-z0-9_.]+)"', source):
            keys_used += 1
            if m.group(1) not in doc["strings"]:
                line = source.count("\n", 0, m.start()) + 1
                problems.append(f"{name}:{line}: key {m.group(1)!r} is not in the catalogue")
        for m in re.finditer(r'catalog\.text\("([A-Za-z0-9_]+\.)" \+', source):
            keys_used += 1
            if not any(k.startswith(m.group(1)) for k in doc["strings"]):
                line = source.count("\n", 0, m.start()) + 1
                problems.append(f"{name}:{line}: no catalogue key starts with {m.group(1)!r}")
    if keys_used < 60:
        problems.append(f"only {keys_used} catalogue keys found in Texts.swift and ErrorTexts.swift: the key scan is broken")
    cat = Catalog(doc)
    texts = json.load(open(os.path.join(VECTORS, "texts.json"), encoding="utf-8"))
    errors = json.load(open(os.path.join(VECTORS, "errors.json"), encoding="utf-8"))
    checked = 0
    for key, value in texts["strings"].items():
        for lang in ("ru", "en"):
            checked += 1
            got = cat.text(key, lang)
            if got != value[lang]:
                problems.append(f"texts.json strings.{key}/{lang}: the catalogue gives {got!r}, the vector {value[lang]!r}")
    for c in texts["calls"]:
        for lang in ("ru", "en"):
            checked += 1
            got = texts_call(cat, lang, c["fn"], c["args"])
            if got != c[lang]:
                problems.append(f"texts.json {c['fn']}{tuple(c['args'])}/{lang}: the catalogue gives {got!r}, the vector {c[lang]!r}")
    for code, value in errors["messages"].items():
        for lang in ("ru", "en"):
            checked += 1
            got = cat.text("error." + code, lang)
            if got != value[lang]:
                problems.append(f"errors.json {code}/{lang}: the catalogue gives {got!r}, the vector {value[lang]!r}")
    for lang in ("ru", "en"):
        checked += 1
        if cat.text("error." + errors["unknownCode"], lang) is not None or cat.text("error.unknown", lang) != errors["fallback"][lang]:
            problems.append(f"errors.json fallback/{lang}: the catalogue's error.unknown differs")
    if problems:
        for p in problems:
            print(f"{os.path.relpath(CATALOG, ROOT)}: {p}", file=sys.stderr)
        sys.exit(f"{len(problems)} problems in the String Catalog")
    print(f"Localizable.xcstrings: {len(doc['strings'])} keys in en and ru, {plurals} Russian plurals with one/few/many/other; "
          f"the {keys_used} keys Texts.swift and ErrorTexts.swift read all exist; "
          f"{checked} texts of texts.json and errors.json match the Kotlin vectors")


if __name__ == "__main__":
    main()
